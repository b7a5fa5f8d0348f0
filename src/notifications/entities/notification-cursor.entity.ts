import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Named counters of the notifications module: the bot's getUpdates offset. */
@Entity('notification_cursors')
export class NotificationCursorEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'bigint', default: 0 })
  value: string;
}
