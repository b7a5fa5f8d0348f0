import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain.error';
import { UserEntity, UserRole } from './entities/user.entity';

/** What a plan change needs to know about the user it changes (row locked by the caller). */
export interface PlanHolder {
  id: number;
  plan: string;
  kirvanoLastSaleId: string | null;
}

/** A plan given for `days` more days (from the later of now and the current expiry). */
export interface PlanGrant {
  /** The new plan and its base slots; null keeps the current plan (a renewal). */
  plan: { name: string; slotsBase: number } | null;
  days: number;
  saleId: string | null;
  customerId: string | null;
  trial: boolean;
}

/** What an admin may change on a user (PRODUCT §11); absent = unchanged. */
export interface AdminUserFields {
  role?: UserRole;
  /** Lower-cased already; null clears it. */
  email?: string | null;
  plan?: { name: string; slotsBase: number };
  planExpiresAt?: Date | null;
  status?: string;
}

const UNIQUE_VIOLATION = '23505';

export function emailTaken(): DomainError {
  return new DomainError('conflict', 'email_taken', 'Another user already has this e-mail');
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === UNIQUE_VIOLATION && driverError.constraint === constraint;
}

const PLAN_HOLDER_COLUMNS = `id, plan, kirvano_last_sale_id AS "kirvanoLastSaleId"`;

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /**
   * Creates the user, or gives an existing one this password hash and role: one statement, so
   * two concurrent runs of `create-admin` cannot both insert.
   */
  async upsert(
    username: string,
    hashedPassword: string,
    role: UserRole,
  ): Promise<{ user: UserEntity; created: boolean }> {
    const rows = await this.users.query<Array<{ id: number; inserted: boolean }>>(
      `INSERT INTO users (username, hashed_password, role)
       VALUES ($1, $2, $3)
       ON CONFLICT (username) DO UPDATE
         SET hashed_password = EXCLUDED.hashed_password, role = EXCLUDED.role, updated_at = now()
       RETURNING id, (xmax = 0) AS inserted`,
      [username, hashedPassword, role],
    );
    return { user: (await this.findById(rows[0].id))!, created: rows[0].inserted };
  }

  /** Replaces a hash only if it is still the one we verified (a concurrent change wins). */
  async replacePasswordHash(id: number, oldHash: string, newHash: string): Promise<void> {
    await this.users.update({ id, hashedPassword: oldHash }, { hashedPassword: newHash });
  }

  /** The user with this e-mail (lower-cased), its row locked until the caller's transaction ends. */
  async lockByEmail(manager: EntityManager, email: string): Promise<PlanHolder | null> {
    const rows: PlanHolder[] = await manager.query(
      `SELECT ${PLAN_HOLDER_COLUMNS} FROM users WHERE email = $1 FOR UPDATE`,
      [email],
    );
    return rows[0] ?? null;
  }

  async lockById(manager: EntityManager, id: number): Promise<PlanHolder | null> {
    const rows: PlanHolder[] = await manager.query(
      `SELECT ${PLAN_HOLDER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * One statement: the expiry moves from the later of now and the current one (a NULL expiry
   * counts as now), so a purchase never shortens a plan and two grants add up.
   */
  async grantPlan(manager: EntityManager, id: number, grant: PlanGrant): Promise<void> {
    await manager.query(
      `UPDATE users
       SET plan = COALESCE($2, plan), slots_base = COALESCE($3, slots_base),
           plan_expires_at = GREATEST(now(), plan_expires_at) + make_interval(days => $4),
           status = 'active',
           kirvano_last_sale_id = COALESCE($5, kirvano_last_sale_id),
           kirvano_customer_id = COALESCE($6, kirvano_customer_id),
           trial_used = trial_used OR $7, updated_at = now()
       WHERE id = $1`,
      [
        id,
        grant.plan?.name ?? null,
        grant.plan?.slotsBase ?? null,
        grant.days,
        grant.saleId,
        grant.customerId,
        grant.trial,
      ],
    );
  }

  /** Back to `plan` (the free plan) with no expiry, still active. */
  async endPlan(
    manager: EntityManager,
    id: number,
    plan: { name: string; slotsBase: number },
  ): Promise<void> {
    await manager.query(
      `UPDATE users SET plan = $2, slots_base = $3, plan_expires_at = NULL, status = 'active',
         updated_at = now()
       WHERE id = $1`,
      [id, plan.name, plan.slotsBase],
    );
  }

  /**
   * A new user, never an existing one changed: null when the username is taken. An e-mail
   * another user has → 409 email_taken.
   */
  async insertNew(
    manager: EntityManager,
    fields: { username: string; hashedPassword: string; role: UserRole; email: string | null },
  ): Promise<number | null> {
    if (fields.email !== null) await this.assertEmailFree(manager, fields.email, null);
    try {
      const rows: Array<{ id: number }> = await manager.query(
        `INSERT INTO users (username, hashed_password, role, email) VALUES ($1, $2, $3, $4)
         ON CONFLICT (username) DO NOTHING RETURNING id`,
        [fields.username, fields.hashedPassword, fields.role, fields.email],
      );
      return rows[0]?.id ?? null;
    } catch (error) {
      if (isUniqueViolation(error, 'uq_users_email')) throw emailTaken();
      throw error;
    }
  }

  /** One UPDATE of the given fields; false when there is no such user. E-mail taken → 409. */
  async updateAdminFields(
    manager: EntityManager,
    id: number,
    fields: AdminUserFields,
  ): Promise<boolean> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (fields.role !== undefined) set('role', fields.role);
    if (fields.email !== undefined) set('email', fields.email);
    if (fields.plan !== undefined) {
      set('plan', fields.plan.name);
      set('slots_base', fields.plan.slotsBase);
    }
    if (fields.planExpiresAt !== undefined) set('plan_expires_at', fields.planExpiresAt);
    if (fields.status !== undefined) set('status', fields.status);
    sets.push('updated_at = now()');
    if (fields.email) await this.assertEmailFree(manager, fields.email, id);
    try {
      const rows: unknown[] = await manager.query(
        `UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING id`,
        values,
      );
      return rows.length > 0;
    } catch (error) {
      if (isUniqueViolation(error, 'uq_users_email')) throw emailTaken();
      throw error;
    }
  }

  /**
   * A taken e-mail is a client's mistake, answered 409 without a failed statement (and its error
   * log line); the unique index still decides between two concurrent writers.
   */
  private async assertEmailFree(
    manager: EntityManager,
    email: string,
    exceptId: number | null,
  ): Promise<void> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM users WHERE email = $1 AND id IS DISTINCT FROM $2`,
      [email, exceptId],
    );
    if (rows.length > 0) throw emailTaken();
  }

  /**
   * The new hash, and every refresh token of the user revoked, in one statement. A stand-in
   * until the auth module's setPassword (which also bumps the token version) replaces it.
   */
  async setPasswordHash(id: number, hashedPassword: string): Promise<boolean> {
    const rows: Array<{ id: number }> = await this.users.query(
      `WITH changed AS (
         UPDATE users SET hashed_password = $2, updated_at = now() WHERE id = $1 RETURNING id),
       revoked AS (
         UPDATE refresh_tokens SET revoked_at = now()
         WHERE user_id IN (SELECT id FROM changed) AND revoked_at IS NULL)
       SELECT id FROM changed`,
      [id, hashedPassword],
    );
    return rows.length > 0;
  }
}
