import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { StreamerEntity } from './streamer.entity';

/** One live stream of a streamer, as the cycles' Get Streams saw it (§16). */
@Entity('live_sessions')
@Unique('uq_live_sessions_streamer_started', ['streamerId', 'startedAt'])
export class LiveSessionEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'streamer_id', type: 'integer' })
  streamerId: number;

  @ManyToOne(() => StreamerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'streamer_id', foreignKeyConstraintName: 'fk_live_sessions_streamer' })
  streamer?: StreamerEntity;

  /** Twitch's started_at. */
  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  /** When the streamer was declared offline (the second complete answer that omitted it). */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ name: 'twitch_stream_id', type: 'varchar', length: 64, nullable: true })
  twitchStreamId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
