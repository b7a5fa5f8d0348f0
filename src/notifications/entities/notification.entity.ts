import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const NOTIFICATION_KINDS = ['burst', 'burst_grown', 'live', 'chefe_clip', 'test'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const NOTIFICATION_CHANNELS = ['webhook', 'discord', 'telegram'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One message of the outbox (§17) to one channel of one user. Written in the transaction that
 * commits what it announces; sent by the dispatcher (see outbox.repository.ts).
 */
@Entity('notifications')
@Unique('uq_notifications_idempotency_key', ['idempotencyKey'])
export class NotificationEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: NotificationKind;

  @Column({ type: 'varchar', length: 16 })
  channel: NotificationChannel;

  @Column({ name: 'streamer_id', type: 'integer', nullable: true })
  streamerId: number | null;

  @Column({ name: 'burst_id', type: 'integer', nullable: true })
  burstId: number | null;

  /** A `chefe_clip` row: the clip it announces (partner modes, §13). */
  @Column({ name: 'clip_id', type: 'integer', nullable: true })
  clipId: number | null;

  /** A grown burst's row: the original message it edits. */
  @Column({ name: 'original_id', type: 'bigint', nullable: true })
  originalId: string | null;

  /** What was (last) sent, rendered when the row was claimed. */
  @Column({ type: 'jsonb', default: {} })
  payload: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: NotificationStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  /** A worker's lease on the row; past it the row is due again. */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken: string | null;

  /** Never a URL or a token: the sender's classified reason. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  /** Telegram's message_id or Discord's message id, for the edits of a grown burst. */
  @Column({ name: 'remote_message_id', type: 'varchar', length: 64, nullable: true })
  remoteMessageId: string | null;

  /** A pending edit sent as part of its original: the original's id. */
  @Column({ name: 'folded_into_id', type: 'bigint', nullable: true })
  foldedIntoId: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200 })
  idempotencyKey: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
