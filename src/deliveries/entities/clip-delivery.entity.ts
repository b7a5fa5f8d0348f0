import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { BurstEntity } from '../../clips/entities/burst.entity';
import { ClipEntity } from '../../clips/entities/clip.entity';
import { StreamerEntity } from '../../streams/entities/streamer.entity';
import { UserEntity } from '../../users/entities/user.entity';

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

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ name: 'streamer_id', type: 'integer' })
  streamerId: number;

  @ManyToOne(() => StreamerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'streamer_id' })
  streamer?: StreamerEntity;

  @Column({ name: 'burst_id', type: 'integer', nullable: true })
  burstId: number | null;

  @ManyToOne(() => BurstEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'burst_id' })
  burst?: BurstEntity;

  @Column({ name: 'clip_id', type: 'integer', nullable: true })
  clipId: number | null;

  @ManyToOne(() => ClipEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'clip_id' })
  clip?: ClipEntity;

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
