import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserEntity, UserRole } from './entities/user.entity';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Creates the user unless the username is taken: the new user, or null. One statement. */
  async insertIfAbsent(
    username: string,
    hashedPassword: string,
    role: UserRole,
  ): Promise<UserEntity | null> {
    const rows: Array<{ id: number }> = await this.users.query(
      `INSERT INTO users (username, hashed_password, role) VALUES ($1, $2, $3)
       ON CONFLICT (username) DO NOTHING
       RETURNING id`,
      [username, hashedPassword, role],
    );
    return rows[0] ? this.findById(rows[0].id) : null;
  }

  /**
   * A new password hash, and the token version moved on so that every token issued before stops
   * working. One statement; false when there is no such user.
   */
  async setPasswordHash(id: number, hashedPassword: string): Promise<boolean> {
    const result: unknown = await this.users.query(
      `UPDATE users SET hashed_password = $2, token_version = token_version + 1, updated_at = now()
       WHERE id = $1`,
      [id, hashedPassword],
    );
    // TypeORM's PostgreSQL driver answers an UPDATE with [rows, affected].
    return Array.isArray(result) && result[1] === 1;
  }

  async setRole(id: number, role: UserRole): Promise<void> {
    await this.users.update({ id }, { role });
  }

  /**
   * Replaces a hash only if it is still the one we verified (a concurrent change wins). Not a
   * password change (the same password, stronger hash): the token version stays.
   */
  async replacePasswordHash(id: number, oldHash: string, newHash: string): Promise<void> {
    await this.users.update({ id, hashedPassword: oldHash }, { hashedPassword: newHash });
  }
}
