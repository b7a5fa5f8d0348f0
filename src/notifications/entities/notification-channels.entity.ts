import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A user's notification channels (§17). The URLs and the webhook's signing secret are stored
 * encrypted (SecretBox); the hints are what answers show of them.
 */
@Entity('notification_channels')
export class NotificationChannelsEntity {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'webhook_url', type: 'text', nullable: true })
  webhookUrl: string | null;

  @Column({ name: 'webhook_hint', type: 'varchar', length: 120, nullable: true })
  webhookHint: string | null;

  @Column({ name: 'webhook_secret', type: 'text', nullable: true })
  webhookSecret: string | null;

  @Column({ name: 'discord_url', type: 'text', nullable: true })
  discordUrl: string | null;

  @Column({ name: 'discord_hint', type: 'varchar', length: 120, nullable: true })
  discordHint: string | null;

  /** Bound by the bot's `/start <nonce>`, never taken from a client. */
  @Column({ name: 'telegram_chat_id', type: 'varchar', length: 32, nullable: true })
  telegramChatId: string | null;

  @Column({ name: 'telegram_hint', type: 'varchar', length: 120, nullable: true })
  telegramHint: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
