import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type UserRole = 'admin' | 'viewer';
export const USER_ROLES: readonly UserRole[] = ['admin', 'viewer'];

@Entity('users')
@Check('chk_users_role', `role IN ('admin', 'viewer')`)
export class UserEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  username: string;

  /** bcrypt, or a legacy passlib `$pbkdf2-sha256$…` hash that is replaced on the next login. */
  @Column({ name: 'hashed_password', type: 'varchar', length: 255 })
  hashedPassword: string;

  @Column({ type: 'varchar', length: 32, default: 'viewer' })
  role: UserRole;

  /**
   * Moved by every password change: tokens carry the version they were issued under and stop
   * working once it moved (see UsersService.setPassword).
   */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
