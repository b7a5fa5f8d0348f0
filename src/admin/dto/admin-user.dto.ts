import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy, ValidateIf, ValidationArguments } from 'class-validator';
import { USER_ROLES, UserRole } from '../../users/entities/user.entity';

/** One rule per field with one message ("x must be …"). */
function Satisfies(test: (value: unknown) => boolean, requirement: string) {
  return ValidateBy({
    name: 'satisfies',
    validator: {
      validate: (value: unknown) => test(value),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} must be ${requirement}`,
    },
  });
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const STATUS = /^[a-z][a-z_]{0,31}$/;
export const MAX_SLOTS_CONFIGURED = 999;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

const isRole = (value: unknown) => USER_ROLES.includes(value as UserRole);
const isEmail = (value: unknown) =>
  typeof value === 'string' && value.length <= 255 && EMAIL.test(value);
const isPlan = (value: unknown) =>
  typeof value === 'string' && value.trim().length >= 1 && value.length <= 100;
export const isZonedDateTime = (value: unknown) =>
  typeof value === 'string' && ZONED_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
const isStatus = (value: unknown) => typeof value === 'string' && STATUS.test(value);
const isSlots = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SLOTS_CONFIGURED;

/** A field that may be absent but not null (null is refused with the field's own message). */
const present = (field: string) => (object: Record<string, unknown>) => object[field] !== undefined;

/** `PATCH /admin/users/{id}`: any subset; `null` clears email, plan_expires_at and slots_configured. */
export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @ValidateIf(present('role'))
  @Satisfies(isRole, `one of ${USER_ROLES.join(', ')}`)
  role?: UserRole;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Stored lower-cased, unique' })
  @IsOptional()
  @Transform(trim)
  @Satisfies(isEmail, 'an e-mail address of at most 255 characters')
  email?: string | null;

  @ApiPropertyOptional({ description: 'Plan name; its base slots follow (PRODUCT §11)' })
  @ValidateIf(present('plan'))
  @Satisfies(isPlan, 'a plan name of 1 to 100 characters')
  plan?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @Satisfies(isZonedDateTime, 'an ISO 8601 date-time with a time zone')
  plan_expires_at?: string | null;

  @ApiPropertyOptional({ example: 'active', description: 'active and trial count as active' })
  @ValidateIf(present('status'))
  @Satisfies(isStatus, 'a lower-case word of 1 to 32 letters or _')
  status?: string;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: MAX_SLOTS_CONFIGURED })
  @IsOptional()
  @Satisfies(isSlots, `an integer from 1 to ${MAX_SLOTS_CONFIGURED}`)
  slots_configured?: number | null;
}

/** `POST /admin/users`. */
export class CreateUserDto {
  @ApiProperty({ example: 'maria' })
  @Satisfies(
    (value) => typeof value === 'string' && /^[A-Za-z0-9_.@-]{1,100}$/.test(value),
    '1 to 100 letters, digits or _ . @ -',
  )
  username: string;

  @ApiProperty({ description: '8 to 72 bytes' })
  @Satisfies(
    (value) =>
      typeof value === 'string' && Buffer.byteLength(value) >= 8 && Buffer.byteLength(value) <= 72,
    'a string of 8 to 72 bytes',
  )
  password: string;

  @ApiPropertyOptional({ enum: USER_ROLES, default: 'viewer' })
  @ValidateIf(present('role'))
  @Satisfies(isRole, `one of ${USER_ROLES.join(', ')}`)
  role?: UserRole;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @Transform(trim)
  @Satisfies(isEmail, 'an e-mail address of at most 255 characters')
  email?: string | null;
}

/** `POST /admin/users/{id}/password`. */
export class SetPasswordDto {
  @ApiProperty({ description: '8 to 72 bytes' })
  @Satisfies(
    (value) =>
      typeof value === 'string' && Buffer.byteLength(value) >= 8 && Buffer.byteLength(value) <= 72,
    'a string of 8 to 72 bytes',
  )
  new_password: string;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

const digits = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;

/** `GET /admin/users?limit=&after=`: pages by id. */
export class ListUsersQueryDto {
  @ApiPropertyOptional({ type: Number, default: DEFAULT_PAGE, minimum: 1, maximum: MAX_PAGE })
  @IsOptional()
  @Transform(digits)
  @Satisfies(
    (value) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PAGE,
    `an integer from 1 to ${MAX_PAGE}`,
  )
  limit?: number;

  @ApiPropertyOptional({ type: Number, description: 'The last id of the previous page' })
  @IsOptional()
  @Transform(digits)
  @Satisfies(
    (value) =>
      Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2_147_483_647,
    'an integer from 0 to 2147483647',
  )
  after?: number;
}

export class AdminUserDto {
  @ApiProperty() id: number;
  @ApiProperty() username: string;
  @ApiProperty({ enum: USER_ROLES }) role: UserRole;
  @ApiProperty({ type: String, nullable: true }) email: string | null;
  @ApiProperty() plan: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  plan_expires_at: string | null;
  @ApiProperty() status: string;
  @ApiProperty({ description: 'slots_total = max(slots_base, slots_configured ?? slots_base)' })
  slots: number;
  @ApiProperty() slots_base: number;
  @ApiProperty({ type: Number, nullable: true }) slots_configured: number | null;
}

export class AdminUsersPageDto {
  @ApiProperty({ type: [AdminUserDto] }) data: AdminUserDto[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Pass as `after` for the next page; null on the last one',
  })
  next_after: number | null;
}

export class StatusOkDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
}
