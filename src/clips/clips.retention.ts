import { deleteBatch, RetentionStep } from '../retention/retention.step';

/**
 * Clips older than RETENTION_CLIP_DAYS that belong to no burst (PRODUCT §18: bursts and their
 * clips are kept). A deleted clip's deliveries keep their row with clip_id NULL (ON DELETE SET
 * NULL), as when Twitch deletes a clip. idx_clips_created_at finds the candidates oldest first.
 */
export const clipsRetention: RetentionStep = {
  name: 'clips',
  table: 'clips',
  days: (settings) => settings.clipDays,
  sql: deleteBatch(
    'clips',
    `clips.created_at < $1
     AND NOT EXISTS (SELECT 1 FROM burst_clips bc WHERE bc.clip_id = clips.id)
     AND NOT EXISTS (SELECT 1 FROM bursts b WHERE b.anchor_clip_id = clips.id)`,
    'clips.created_at',
  ),
};
