import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { UserEntity, UserRole, USER_ROLES } from './entities/user.entity';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './password-hasher';
import { baseSlotsForPlan } from './plan-rules';
import { AdminUserFields, PlanHolder, UsersRepository } from './users.repository';

export type { PlanHolder } from './users.repository';

/** The plan a user is left on when a paid plan ends. */
export const FREE_PLAN = 'free';

/** What other modules may know about a user: never the password hash. */
export interface UserSummary {
  id: number;
  username: string;
  role: UserRole;
}

const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{1,100}$/;
export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads 72 bytes; a longer password would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;
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

  // --- Plans (PRODUCT §11, §15): every call runs in the caller's transaction. ---

  /** The user holding this e-mail (any case), row-locked until the transaction ends. */
  lockPlanHolderByEmail(manager: EntityManager, email: string): Promise<PlanHolder | null> {
    return this.users.lockByEmail(manager, email.trim().toLowerCase());
  }

  lockPlanHolder(manager: EntityManager, id: number): Promise<PlanHolder | null> {
    return this.users.lockById(manager, id);
  }

  /**
   * `plan` (null: keep the current one) for `days` more days from the later of now and the
   * current expiry; status active; base slots from the plan rules.
   */
  async grantPlan(
    manager: EntityManager,
    id: number,
    grant: {
      plan: string | null;
      days: number;
      saleId?: string | null;
      customerId?: string | null;
      trial?: boolean;
    },
  ): Promise<void> {
    await this.users.grantPlan(manager, id, {
      plan:
        grant.plan === null ? null : { name: grant.plan, slotsBase: baseSlotsForPlan(grant.plan) },
      days: grant.days,
      saleId: grant.saleId ?? null,
      customerId: grant.customerId ?? null,
      trial: grant.trial ?? false,
    });
  }

  /** A paid plan ended: the free plan, no expiry, still active. */
  async endPlan(manager: EntityManager, id: number): Promise<void> {
    await this.users.endPlan(manager, id, {
      name: FREE_PLAN,
      slotsBase: baseSlotsForPlan(FREE_PLAN),
    });
  }

  // --- Administration (PRODUCT §11) ---

  /**
   * Sets a new password: hashed, and every session of the user revoked. Minimal stand-in with the
   * signature the auth module's version (hash + revoke every session + bump token version) keeps.
   */
  async setPassword(userId: number, newPassword: string): Promise<void> {
    assertPasswordLength(newPassword);
    if (!(await this.users.setPasswordHash(userId, await hashPassword(newPassword)))) {
      throw new NotFoundError('User', userId);
    }
  }

  /** A new user (409 when the username or the e-mail is taken), in the caller's transaction. */
  async createNew(
    manager: EntityManager,
    fields: { username: string; password: string; role: UserRole; email: string | null },
  ): Promise<number> {
    if (!USERNAME_PATTERN.test(fields.username)) {
      throw new DomainError(
        'invalid',
        'invalid_username',
        'Username must be 1-100 characters of letters, digits, and _ . @ -',
      );
    }
    assertPasswordLength(fields.password);
    const id = await this.users.insertNew(manager, {
      username: fields.username,
      hashedPassword: await hashPassword(fields.password),
      role: fields.role,
      email: fields.email?.trim().toLowerCase() ?? null,
    });
    if (id === null) {
      throw new DomainError(
        'conflict',
        'username_taken',
        'A user with this username already exists',
      );
    }
    return id;
  }

  /**
   * An admin's change (role, e-mail, plan, expiry, status) in one statement, in the caller's
   * transaction; a plan brings its base slots (plan rules), an e-mail is lower-cased.
   */
  async updateByAdmin(
    manager: EntityManager,
    id: number,
    patch: {
      role?: UserRole;
      email?: string | null;
      plan?: string;
      planExpiresAt?: Date | null;
      status?: string;
    },
  ): Promise<void> {
    const fields: AdminUserFields = {
      role: patch.role,
      email: patch.email === undefined ? undefined : (patch.email?.trim().toLowerCase() ?? null),
      plan:
        patch.plan === undefined
          ? undefined
          : { name: patch.plan, slotsBase: baseSlotsForPlan(patch.plan) },
      planExpiresAt: patch.planExpiresAt,
      status: patch.status,
    };
    if (!(await this.users.updateAdminFields(manager, id, fields))) {
      throw new NotFoundError('User', id);
    }
  }

  async findIdByUsername(username: string): Promise<number | null> {
    return (await this.users.findByUsername(username))?.id ?? null;
  }
}

function assertPasswordLength(password: string): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < MIN_PASSWORD_LENGTH || bytes > MAX_PASSWORD_BYTES) {
    throw new DomainError(
      'invalid',
      'invalid_password_length',
      `Password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_BYTES} bytes`,
    );
  }
}

function toSummary(user: UserEntity): UserSummary {
  return { id: user.id, username: user.username, role: user.role };
}
