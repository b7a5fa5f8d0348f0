import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { UserEntity } from '../../users/entities/user.entity';

/**
 * A session: one login and every refresh token rotated from it (a refresh-token family). Access
 * tokens name it in their `sid` claim. It ends at `expires_at` (JWT_REFRESH_DAYS after the login,
 * never extended) or when revoked: logout, reuse of a rotated refresh token, a password change.
 */
@Entity('auth_sessions')
export class AuthSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Index('IDX_auth_sessions_user_id')
  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_auth_sessions_user_id' })
  user?: UserEntity;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
