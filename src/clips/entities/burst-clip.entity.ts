import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BurstEntity } from './burst.entity';
import { ClipEntity } from './clip.entity';

/** Membership of a clip in a burst. The primary key on `clip_id` means one burst per clip at most. */
@Entity('burst_clips')
export class BurstClipEntity {
  @PrimaryColumn({ name: 'clip_id', type: 'integer' })
  clipId: number;

  @ManyToOne(() => ClipEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'clip_id' })
  clip?: ClipEntity;

  @Index('idx_burst_clips_burst_id')
  @Column({ name: 'burst_id', type: 'integer' })
  burstId: number;

  @ManyToOne(() => BurstEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'burst_id' })
  burst?: BurstEntity;

  @Column({ name: 'clip_external_id', type: 'varchar', length: 128 })
  clipExternalId: string;
}
