import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface AdminUserRow {
  id: number;
  username: string;
  role: 'admin' | 'viewer';
  email: string | null;
  plan: string;
  plan_expires_at: string | null;
  status: string;
  slots_base: number;
  slots_configured: number | null;
}

const USER_COLUMNS = `u.id, u.username, u.role, u.email, u.plan,
  to_char(u.plan_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS plan_expires_at,
  u.status, u.slots_base, c.slots_configured`;

/**
 * The admin view of users: a read across users and user_channel_configs (slots_configured) in
 * one statement, and the one write the admin routes make outside UsersService —
 * slots_configured, until the channels module exports a service for it.
 */
@Injectable()
export class AdminRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  page(limit: number, afterId: number): Promise<AdminUserRow[]> {
    return this.dataSource.query(
      `SELECT ${USER_COLUMNS}
       FROM users u LEFT JOIN user_channel_configs c ON c.user_id = u.id
       WHERE u.id > $1 ORDER BY u.id LIMIT $2`,
      [afterId, limit],
    );
  }

  async findOne(manager: EntityManager, id: number): Promise<AdminUserRow | null> {
    const rows: AdminUserRow[] = await manager.query(
      `SELECT ${USER_COLUMNS}
       FROM users u LEFT JOIN user_channel_configs c ON c.user_id = u.id WHERE u.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}
