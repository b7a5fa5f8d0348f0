import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { UserEntity } from '../../users/entities/user.entity';

/**
 * Every Kirvano event, recorded once (PRODUCT §15): a redelivery hits the unique key and
 * changes nothing. `sale_id` is '' when the event carried none; `charge_key` is the payload's
 * charge or period id, else a hash of the raw body.
 */
@Entity('billing_events')
@Unique('uq_billing_events_event_sale_charge', ['event', 'saleId', 'chargeKey'])
@Index('idx_billing_events_user_id', ['userId'])
export class BillingEventEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'varchar', length: 64 })
  event: string;

  @Column({ name: 'sale_id', type: 'varchar', length: 128, default: '' })
  saleId: string;

  @Column({ name: 'charge_key', type: 'varchar', length: 128 })
  chargeKey: string;

  /** The user the event applied to, when there was one. */
  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** sha256 (hex) of the raw body: enough to tell redeliveries apart without keeping the body. */
  @Column({ name: 'payload_hash', type: 'varchar', length: 64 })
  payloadHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
