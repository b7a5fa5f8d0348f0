import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One Kirvano sale (PRODUCT §15), as the old service stored it: no link to users. */
@Entity('purchases')
@Index('idx_purchases_email', ['email'])
export class PurchaseEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'sale_id', type: 'varchar', length: 128, unique: true })
  saleId: string;

  /** Lower-cased; personal data, never logged. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  plan: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  status: string | null;

  @Column({ name: 'payment_method', type: 'varchar', length: 64, nullable: true })
  paymentMethod: string | null;

  /** The webhook's body as JSON text; personal data, scrubbed to NULL after 90 days (§18). */
  @Column({ name: 'raw_payload', type: 'text', nullable: true })
  rawPayload: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
