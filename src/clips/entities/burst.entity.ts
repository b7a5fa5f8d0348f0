import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { StreamerEntity } from '../../streams/entities/streamer.entity';
import { ClipEntity } from './clip.entity';

@Entity('bursts')
@Index('idx_bursts_start_time', ['startTime'])
@Index('idx_bursts_streamer_start_time', ['streamerId', 'startTime'])
export class BurstEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'streamer_id', type: 'integer' })
  streamerId: number;

  @ManyToOne(() => StreamerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'streamer_id' })
  streamer?: StreamerEntity;

  /**
   * The earliest clip of the burst. A burst's identity is (streamer, anchor clip): the unique
   * index is what keeps re-runs and concurrent workers from storing one burst twice.
   */
  @Column({ name: 'anchor_clip_id', type: 'integer', unique: true })
  anchorClipId: number;

  @ManyToOne(() => ClipEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'anchor_clip_id' })
  anchorClip?: ClipEntity;

  @Column({ name: 'start_time', type: 'timestamptz' })
  startTime: Date;

  @Column({ name: 'end_time', type: 'timestamptz' })
  endTime: Date;

  @Column({ name: 'clip_count', type: 'integer' })
  clipCount: number;

  /** The burst started inside a recorded live session of its streamer (§16). */
  @Column({ name: 'ao_vivo', type: 'boolean', default: false })
  aoVivo: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
