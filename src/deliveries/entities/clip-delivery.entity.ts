import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** What the delivery row carries for the history (PRODUCT §13), as the old service stored it. */
export interface DeliveryExtraPayload {
  streamer_display_name: string;
  streamer_external_id: string;
  clip_title: string | null;
  viewer_count: number;
}

/**
 * One clip delivered to one user (PRODUCT §13). Unique (user_id, clip_external_id): a clip
 * reaches a user once, whatever the retries and growths of its burst.
 *
 * user_id, streamer_id (ON DELETE CASCADE) and burst_id, clip_id (ON DELETE SET NULL) reference
 * their tables through triggers, not foreign keys: see the DeliveryReferencesByTrigger migration
 * (four referential checks per row were most of a 50,000-row fan-out).
 */
@Entity('clip_deliveries')
@Unique('uq_clip_deliveries_user_clip', ['userId', 'clipExternalId'])
@Index('idx_clip_deliveries_user_delivered', ['userId', 'deliveredAt', 'id'])
@Index('idx_clip_deliveries_streamer_id', ['streamerId'])
@Index('idx_clip_deliveries_burst_id', ['burstId'])
@Index('idx_clip_deliveries_clip_id', ['clipId'])
export class ClipDeliveryEntity {
  /** bigint: one burst on a popular streamer writes one row per subscriber and clip. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'streamer_id', type: 'integer' })
  streamerId: number;

  @Column({ name: 'burst_id', type: 'integer', nullable: true })
  burstId: number | null;

  @Column({ name: 'clip_id', type: 'integer', nullable: true })
  clipId: number | null;

  @Column({ name: 'clip_external_id', type: 'varchar', length: 128 })
  clipExternalId: string;

  @Column({ name: 'burst_start', type: 'timestamptz', nullable: true })
  burstStart: Date | null;

  @Column({ name: 'burst_end', type: 'timestamptz', nullable: true })
  burstEnd: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', default: () => 'now()' })
  deliveredAt: Date;

  @Column({ name: 'delivery_channel', type: 'varchar', length: 32, default: 'web' })
  deliveryChannel: string;

  @Column({ name: 'extra_payload', type: 'jsonb', nullable: true })
  extraPayload: DeliveryExtraPayload | null;
}
