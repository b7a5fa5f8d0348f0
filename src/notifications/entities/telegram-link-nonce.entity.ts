import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A pending `/start <nonce>` link; only the nonce's sha256 is stored. */
@Entity('telegram_link_nonces')
export class TelegramLinkNonceEntity {
  @PrimaryColumn({ name: 'nonce_hash', type: 'varchar', length: 64 })
  nonceHash: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
