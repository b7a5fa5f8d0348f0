// Fault cases start servers and processes, stop them and wait for recoveries: give them room.
jest.setTimeout(120_000);
