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
}
