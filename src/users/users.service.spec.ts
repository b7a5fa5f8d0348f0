import { UserEntity } from './entities/user.entity';
import type { PasswordHasher } from './password-hasher';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

function entity(id: number, role: 'admin' | 'viewer'): UserEntity {
  return {
    id,
    username: `user${id}`,
    hashedPassword: 'x',
    role,
    tokenVersion: 0,
    email: null,
    plan: 'free',
    planExpiresAt: null,
    status: 'active',
    trialUsed: false,
    kirvanoCustomerId: null,
    kirvanoLastSaleId: null,
    slotsBase: 1,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

/** Our own repository, backed by a map the test changes as the database would. */
function fakeRepository(rows: Map<number, UserEntity>) {
  const lookups: number[] = [];
  const repository = {
    findById: (id: number) => {
      lookups.push(id);
      return Promise.resolve(rows.get(id) ?? null);
    },
  } as unknown as UsersRepository;
  return { repository, lookups };
}

describe('UsersService.findCurrent', () => {
  it('reads a user once while the users counter stays put', async () => {
    const rows = new Map([[1, entity(1, 'viewer')]]);
    const { repository, lookups } = fakeRepository(rows);
    const users = new UsersService(repository, {} as PasswordHasher);
    await expect(users.findCurrent(1, 5)).resolves.toEqual({
      id: 1,
      username: 'user1',
      role: 'viewer',
      tokenVersion: 0,
    });
    await users.findCurrent(1, 5);
    await users.findCurrent(1, 5);
    expect(lookups).toEqual([1]);
  });

  it('sees a deletion and a role change as soon as the counter has moved', async () => {
    const rows = new Map([
      [1, entity(1, 'viewer')],
      [2, entity(2, 'admin')],
    ]);
    const { repository } = fakeRepository(rows);
    const users = new UsersService(repository, {} as PasswordHasher);
    await users.findCurrent(1, 5);
    await users.findCurrent(2, 5);
    rows.set(1, entity(1, 'admin'));
    rows.delete(2);
    await expect(users.findCurrent(1, 6)).resolves.toMatchObject({ role: 'admin' });
    await expect(users.findCurrent(2, 6)).resolves.toBeNull();
  });

  it('remembers that an id has no user, until the counter moves', async () => {
    const rows = new Map<number, UserEntity>();
    const { repository, lookups } = fakeRepository(rows);
    const users = new UsersService(repository, {} as PasswordHasher);
    await expect(users.findCurrent(9, 1)).resolves.toBeNull();
    await expect(users.findCurrent(9, 1)).resolves.toBeNull();
    rows.set(9, entity(9, 'viewer'));
    await expect(users.findCurrent(9, 2)).resolves.toMatchObject({ id: 9 });
    expect(lookups).toEqual([9, 9]);
  });

  it('reads the database for a request holding an older reading than the cache', async () => {
    const rows = new Map([[1, entity(1, 'viewer')]]);
    const { repository, lookups } = fakeRepository(rows);
    const users = new UsersService(repository, {} as PasswordHasher);
    await users.findCurrent(1, 7);
    await users.findCurrent(1, 6);
    expect(lookups).toEqual([1, 1]);
  });
});
