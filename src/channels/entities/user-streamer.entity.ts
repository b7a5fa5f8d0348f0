import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { StreamerEntity } from '../../streams/entities/streamer.entity';
import { UserEntity } from '../../users/entities/user.entity';

/**
 * A user's subscription to a streamer (PRODUCT §12). The interval and min here are the
 * subscription's own (NULL = the streamer's); an attach never changes the streamer's settings.
 */
@Entity('user_streamers')
@Unique('uq_user_streamers_user_streamer', ['userId', 'streamerId'])
@Index('idx_user_streamers_streamer_id', ['streamerId'])
@Index('idx_user_streamers_user_order', ['userId', 'orderIndex', 'id'])
@Check('chk_user_streamers_monitor_interval', `monitor_interval_seconds > 0`)
@Check('chk_user_streamers_monitor_min_clips', `monitor_min_clips > 0`)
export class UserStreamerEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

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

  @Column({ type: 'varchar', length: 120, nullable: true })
  label: string | null;

  @Column({ name: 'order_index', type: 'integer', default: 0 })
  orderIndex: number;

  @Column({ name: 'monitor_interval_seconds', type: 'integer', nullable: true })
  monitorIntervalSeconds: number | null;

  @Column({ name: 'monitor_min_clips', type: 'integer', nullable: true })
  monitorMinClips: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
