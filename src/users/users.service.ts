import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error';
import { UserEntity, UserRole, USER_ROLES } from './entities/user.entity';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './password-hasher';
import { UsersRepository } from './users.repository';

/** What other modules may know about a user: never the password hash. */
export interface UserSummary {
  id: number;
  username: string;
  role: UserRole;
}

const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{1,100}$/;
export const MIN_PASSWORD_LENGTH = 8;
/** Users remembered per process between two user changes; past this the memory is dropped. */
const MAX_CACHED_USERS = 10_000;

@Injectable()
export class UsersService {
  /**
   * Users (and ids found to have no user) as read after generation `cachedGeneration` of the
   * `users` counter: valid for any request whose own reading is not newer.
   */
  private cachedGeneration = -1;
  private readonly cached = new Map<number, UserSummary | null>();

  constructor(private readonly users: UsersRepository) {}

  /** Creates a user or resets an existing one's password and role (the CLI's `create-*`). */
  async createOrUpdate(
    username: string,
    password: string,
    role: UserRole,
  ): Promise<UserSummary & { created: boolean }> {
    if (!USERNAME_PATTERN.test(username)) {
      throw new DomainError(
        'invalid',
        'invalid_username',
        'Username must be 1-100 characters of letters, digits, and _ . @ -',
      );
    }
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new DomainError(
        'invalid',
        'password_too_short',
        `Password must have at least ${MIN_PASSWORD_LENGTH} characters`,
      );
    }
    if (!USER_ROLES.includes(role)) {
      throw new DomainError(
        'invalid',
        'invalid_role',
        `Role must be one of ${USER_ROLES.join(', ')}`,
      );
    }
    const { user, created } = await this.users.upsert(username, await hashPassword(password), role);
    return { ...toSummary(user), created };
  }

  /**
   * The user whose credentials these are, or null. Always spends one password comparison, also
   * for unknown users, so response time does not tell whether a username exists. A legacy hash
   * that matches is replaced by bcrypt.
   */
  async verifyCredentials(username: string, password: string): Promise<UserSummary | null> {
    const user = await this.users.findByUsername(username);
    if (!user) return verifyAgainstDummy(password).then(() => null);
    if (!(await verifyPassword(password, user.hashedPassword))) return null;
    if (needsRehash(user.hashedPassword, password)) {
      await this.users.replacePasswordHash(
        user.id,
        user.hashedPassword,
        await hashPassword(password),
      );
    }
    return toSummary(user);
  }

  async findById(id: number): Promise<UserSummary | null> {
    const user = await this.users.findById(id);
    return user ? toSummary(user) : null;
  }

  /**
   * The user as of `usersGeneration` (the `users` change counter, read by the caller after its
   * request arrived): answered from memory while no user has changed since, otherwise read and
   * remembered. A deleted user or a changed role is seen by the first request that reads the
   * counter after the change committed, in every process.
   */
  async findCurrent(id: number, usersGeneration: number): Promise<UserSummary | null> {
    if (usersGeneration > this.cachedGeneration) {
      this.cached.clear();
      this.cachedGeneration = usersGeneration;
    } else if (usersGeneration === this.cachedGeneration) {
      const known = this.cached.get(id);
      if (known !== undefined) return known;
    }
    const user = await this.findById(id);
    // Remembered under the reading taken before the query: never newer than what it reflects.
    if (usersGeneration === this.cachedGeneration) {
      if (this.cached.size >= MAX_CACHED_USERS) this.cached.clear();
      // Shared by every request that finds it here: nobody may change it.
      this.cached.set(id, user && Object.freeze(user));
    }
    return user;
  }
}

function toSummary(user: UserEntity): UserSummary {
  return { id: user.id, username: user.username, role: user.role };
}
