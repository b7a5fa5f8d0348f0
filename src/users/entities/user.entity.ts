import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type UserRole = 'admin' | 'viewer';
export const USER_ROLES: readonly UserRole[] = ['admin', 'viewer'];

@Entity('users')
@Check('chk_users_role', `role IN ('admin', 'viewer')`)
@Check('chk_users_email_lower', `email = lower(email)`)
@Check('chk_users_slots_base', `slots_base > 0`)
@Index('uq_users_email', ['email'], { unique: true })
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

  /** Unique when set, always stored lower-cased (PRODUCT §11); never logged. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  /** The plan's name as sold (Kirvano offer name), e.g. `free`, `Mensal Plus`. */
  @Column({ type: 'varchar', length: 100, default: 'free' })
  plan: string;

  /** NULL = the plan never expires. */
  @Column({ name: 'plan_expires_at', type: 'timestamptz', nullable: true })
  planExpiresAt: Date | null;

  /** `active` and `trial` count as active (see plan-rules.ts); anything else does not. */
  @Column({ type: 'varchar', length: 32, default: 'active' })
  status: string;

  @Column({ name: 'trial_used', type: 'boolean', default: false })
  trialUsed: boolean;

  @Column({ name: 'kirvano_customer_id', type: 'varchar', length: 128, nullable: true })
  kirvanoCustomerId: string | null;

  @Column({ name: 'kirvano_last_sale_id', type: 'varchar', length: 128, nullable: true })
  kirvanoLastSaleId: string | null;

  /** baseSlotsForPlan(plan), stored whenever the plan changes so queries need no accent folding. */
  @Column({ name: 'slots_base', type: 'integer', default: 1 })
  slotsBase: number;

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
