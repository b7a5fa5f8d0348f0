import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { StreamerEntity } from '../../streams/entities/streamer.entity';

@Entity('clips')
@Index('idx_clips_streamer_created_at', ['streamerId', 'createdAt'])
export class ClipEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  /** Twitch's clip id (the slug). */
  @Column({ name: 'clip_id', type: 'varchar', length: 128, unique: true })
  clipId: string;

  @Column({ name: 'streamer_id', type: 'integer' })
  streamerId: number;

  @ManyToOne(() => StreamerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'streamer_id' })
  streamer?: StreamerEntity;

  @Column({ name: 'streamer_name', type: 'varchar', length: 256 })
  streamerName: string;

  @Column({ name: 'streamer_external_id', type: 'varchar', length: 128 })
  streamerExternalId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Helix `view_count`, refreshed on every fetch. */
  @Column({ name: 'viewer_count', type: 'integer', default: 0 })
  viewerCount: number;

  @Column({ name: 'video_id', type: 'varchar', length: 64, nullable: true })
  videoId: string | null;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ type: 'double precision', nullable: true })
  duration: number | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ name: 'thumbnail_url', type: 'text', nullable: true })
  thumbnailUrl: string | null;

  @Column({ name: 'vod_offset', type: 'integer', nullable: true })
  vodOffset: number | null;

  @Column({ name: 'creator_name', type: 'varchar', length: 256, nullable: true })
  creatorName: string | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', default: () => 'now()' })
  fetchedAt: Date;
}
