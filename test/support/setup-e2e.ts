// e2e specs boot the whole service and talk to real databases: give them room.
jest.setTimeout(60_000);
