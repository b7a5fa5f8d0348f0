import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BillingService } from '../billing/billing.service';
import { ChannelsService } from '../channels/channels.service';
import { NotFoundError } from '../common/errors/domain.error';
import { UserRole } from '../users/entities/user.entity';
import { slotsTotal } from '../users/plan-rules';
import { UsersService } from '../users/users.service';
import { AdminRepository, AdminUserRow } from './admin.repository';
import { AdminUserDto, AdminUsersPageDto } from './dto/admin-user.dto';

/** An operator's change to a user (admin route or CLI set-plan); absent = unchanged. */
export interface UserChange {
  role?: UserRole;
  email?: string | null;
  plan?: string;
  planExpiresAt?: Date | null;
  status?: string;
  slotsConfigured?: number | null;
}

/**
 * Plans, slots, e-mails and roles without a shell (PRODUCT §11). Each change is one transaction:
 * the user's row (UsersService), the slots (ChannelsService) and, when an e-mail is given,
 * the purchases made with it before any user had it (BillingService).
 */
@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly admin: AdminRepository,
    private readonly users: UsersService,
    private readonly billing: BillingService,
    private readonly channels: ChannelsService,
  ) {}

  async list(limit: number, afterId: number): Promise<AdminUsersPageDto> {
    // One more than asked tells whether another page follows.
    const rows = await this.admin.page(limit + 1, afterId);
    const page = rows.slice(0, limit);
    return {
      data: page.map(toDto),
      next_after: rows.length > limit ? page[page.length - 1].id : null,
    };
  }

  async update(id: number, change: UserChange): Promise<AdminUserDto> {
    const { row, applied } = await this.dataSource.transaction(async (manager) => {
      const { slotsConfigured, ...userFields } = change;
      await this.users.updateByAdmin(manager, id, userFields);
      if (slotsConfigured !== undefined) {
        await this.channels.setSlotsConfigured(manager, id, slotsConfigured);
      }
      const pending = change.email
        ? await this.billing.applyPendingPurchases(manager, id, change.email)
        : 0;
      const updated = await this.admin.findOne(manager, id);
      if (!updated) throw new NotFoundError('User', id);
      return { row: updated, applied: pending };
    });
    this.logger.log(
      { userId: id, fields: Object.keys(change), pendingPurchasesApplied: applied },
      'admin_user_updated',
    );
    return toDto(row);
  }

  async create(fields: {
    username: string;
    password: string;
    role: UserRole;
    email: string | null;
  }): Promise<AdminUserDto> {
    const row = await this.dataSource.transaction(async (manager) => {
      const id = await this.users.createNew(manager, fields);
      if (fields.email) await this.billing.applyPendingPurchases(manager, id, fields.email);
      return (await this.admin.findOne(manager, id))!;
    });
    this.logger.log({ userId: row.id, role: row.role }, 'admin_user_created');
    return toDto(row);
  }

  async setPassword(id: number, password: string): Promise<void> {
    await this.users.setPassword(id, password);
    this.logger.log({ userId: id }, 'admin_password_set');
  }
}

function toDto(row: AdminUserRow): AdminUserDto {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    email: row.email,
    plan: row.plan,
    plan_expires_at: row.plan_expires_at,
    status: row.status,
    slots: slotsTotal(row.slots_base, row.slots_configured),
    slots_base: row.slots_base,
    slots_configured: row.slots_configured,
  };
}
