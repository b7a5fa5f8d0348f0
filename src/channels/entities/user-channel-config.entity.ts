import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { UserEntity } from '../../users/entities/user.entity';

export type MonitorMode = 'AUTOMATICO' | 'MANUAL' | 'PADRAO' | 'RAPIDO';
export const MONITOR_MODES: readonly MonitorMode[] = ['AUTOMATICO', 'MANUAL', 'PADRAO', 'RAPIDO'];

export type PartnerMode = 'somente_bot' | 'somente_chefe' | 'chefe_e_bot';
export const PARTNER_MODES: readonly PartnerMode[] = [
  'somente_bot',
  'somente_chefe',
  'chefe_e_bot',
];

/** One row per user: their channel's settings (PRODUCT §12). */
@Entity('user_channel_configs')
@Check(
  'chk_user_channel_configs_monitor_mode',
  `monitor_mode IN ('AUTOMATICO', 'MANUAL', 'PADRAO', 'RAPIDO')`,
)
@Check(
  'chk_user_channel_configs_partner_mode',
  `partner_mode IN ('somente_bot', 'somente_chefe', 'chefe_e_bot')`,
)
@Check('chk_user_channel_configs_slots_configured', `slots_configured > 0`)
export class UserChannelConfigEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'user_id', type: 'integer', unique: true })
  userId: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ name: 'monitor_mode', type: 'varchar', length: 32, default: 'AUTOMATICO' })
  monitorMode: MonitorMode;

  @Column({ name: 'partner_mode', type: 'varchar', length: 32, default: 'somente_bot' })
  partnerMode: PartnerMode;

  @Column({ name: 'clipador_chefe_username', type: 'varchar', length: 80, nullable: true })
  clipadorChefeUsername: string | null;

  @Column({ name: 'manual_min_clips', type: 'integer', nullable: true })
  manualMinClips: number | null;

  @Column({ name: 'manual_interval_seconds', type: 'integer', nullable: true })
  manualIntervalSeconds: number | null;

  @Column({ name: 'manual_min_clips_vod', type: 'integer', nullable: true })
  manualMinClipsVod: number | null;

  /** Set by an admin only; slots_total = max(users.slots_base, slots_configured ?? slots_base). */
  @Column({ name: 'slots_configured', type: 'integer', nullable: true })
  slotsConfigured: number | null;

  @Column({ name: 'notify_online', type: 'boolean', default: true })
  notifyOnline: boolean;

  @Column({ name: 'public_share_enabled', type: 'boolean', default: false })
  publicShareEnabled: boolean;

  @Column({ name: 'public_description', type: 'text', nullable: true })
  publicDescription: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
