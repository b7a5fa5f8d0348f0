import { Injectable, Logger } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { AdminService } from '../../admin/admin.service';
import { MAX_SLOTS_CONFIGURED } from '../../admin/dto/admin-user.dto';
import { DomainError } from '../../common/errors/domain.error';
import { UsersService } from '../../users/users.service';

interface SetPlanOptions {
  expires?: Date;
  days?: number;
  slots?: number;
  email?: string;
}

const DAY_MS = 86_400_000;
const MAX_DAYS = 36_500;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

function invalid(detail: string): DomainError {
  return new DomainError('invalid', 'invalid_option', detail);
}

/**
 * `set-plan <username> <plan> [--expires <ISO>|--days <n>] [--slots <n>] [--email <address>]`
 * (PRODUCT §9): what the admin routes do, from a shell. The plan brings its base slots; the
 * user becomes active; without --expires/--days the expiry is left as it is; --slots sets
 * slots_configured; --email sets the e-mail and applies purchases made with it before.
 */
@Injectable()
@Command({
  name: 'set-plan',
  arguments: '<username> <plan>',
  description:
    "Give a user a plan, an expiry, extra slots or an e-mail (without Kirvano's webhook)",
})
export class SetPlanCommand extends CommandRunner {
  private readonly logger = new Logger('Cli');

  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminService,
  ) {
    super();
  }

  async run([username, plan]: string[], options: SetPlanOptions): Promise<void> {
    const planName = plan.trim();
    if (planName.length === 0 || planName.length > 100) {
      throw invalid('<plan> must be a plan name of 1 to 100 characters');
    }
    if (options.expires && options.days !== undefined) {
      throw invalid('--expires and --days cannot be used together');
    }
    const id = await this.users.findIdByUsername(username);
    if (id === null)
      throw new DomainError('not_found', 'user_not_found', `User "${username}" not found`);
    const planExpiresAt =
      options.expires ??
      (options.days === undefined ? undefined : new Date(Date.now() + options.days * DAY_MS));
    const user = await this.admin.update(id, {
      plan: planName,
      status: 'active',
      planExpiresAt,
      slotsConfigured: options.slots,
      email: options.email,
    });
    this.logger.log({ userId: id, plan: user.plan }, 'cli_plan_set');
    process.stdout.write(
      `Set plan "${user.plan}" for "${user.username}" (id ${user.id}): ` +
        `expires ${user.plan_expires_at ?? 'never'}, slots ${user.slots}` +
        (user.email ? `, e-mail ${user.email}` : '') +
        '\n',
    );
  }

  @Option({ flags: '--expires <date>', description: 'expiry, ISO 8601 (a date is midnight UTC)' })
  parseExpires(value: string): Date {
    const text = value.trim();
    const date = ISO_DATE.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
    if ((!ISO_DATE.test(text) && !ZONED_DATE_TIME.test(text)) || Number.isNaN(date.getTime())) {
      throw invalid(
        `--expires must be an ISO 8601 date or date-time with a time zone (got "${value}")`,
      );
    }
    return date;
  }

  @Option({ flags: '--days <n>', description: 'expiry this many days from now' })
  parseDays(value: string): number {
    return integer('--days', value, 1, MAX_DAYS);
  }

  @Option({ flags: '--slots <n>', description: 'slots_configured (the user gets max(base, n))' })
  parseSlots(value: string): number {
    return integer('--slots', value, 1, MAX_SLOTS_CONFIGURED);
  }

  @Option({ flags: '--email <address>', description: "the user's e-mail (lower-cased, unique)" })
  parseEmail(value: string): string {
    const email = value.trim();
    if (email.length > 255 || !EMAIL.test(email)) {
      throw invalid(`--email must be an e-mail address of at most 255 characters`);
    }
    return email;
  }
}

function integer(flag: string, value: string, min: number, max: number): number {
  const number = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(number >= min && number <= max)) {
    throw invalid(`${flag} must be an integer from ${min} to ${max} (got "${value}")`);
  }
  return number;
}
