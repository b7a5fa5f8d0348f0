import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/decorators/roles.decorator';
import { RowIdParam } from '../streams/row-id.param';
import { AdminService } from './admin.service';
import {
  AdminUserDto,
  AdminUsersPageDto,
  CreateUserDto,
  DEFAULT_PAGE,
  ListUsersQueryDto,
  SetPasswordDto,
  StatusOkDto,
  UpdateUserDto,
} from './dto/admin-user.dto';

@ApiTags('admin')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid access token' })
@ApiForbiddenResponse({ description: 'Not an admin' })
@Roles('admin')
@Controller('admin/users')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  @ApiOkResponse({ type: AdminUsersPageDto, description: 'Users by id, a page at a time' })
  @ApiBadRequestResponse({ description: 'limit not 1–200, or after not an id' })
  list(@Query() query: ListUsersQueryDto): Promise<AdminUsersPageDto> {
    return this.admin.list(query.limit ?? DEFAULT_PAGE, query.after ?? 0);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AdminUserDto })
  @ApiBadRequestResponse({ description: 'A field is invalid (each is named)' })
  @ApiNotFoundResponse({ description: 'No such user' })
  @ApiConflictResponse({ description: 'Another user has this e-mail' })
  update(@RowIdParam('id') id: number, @Body() body: UpdateUserDto): Promise<AdminUserDto> {
    return this.admin.update(id, {
      role: body.role,
      email: body.email,
      plan: body.plan?.trim(),
      planExpiresAt:
        body.plan_expires_at === undefined
          ? undefined
          : body.plan_expires_at === null
            ? null
            : new Date(body.plan_expires_at),
      status: body.status,
      slotsConfigured: body.slots_configured,
    });
  }

  @Post()
  @ApiCreatedResponse({ type: AdminUserDto })
  @ApiBadRequestResponse({ description: 'A field is invalid (each is named)' })
  @ApiConflictResponse({ description: 'The username or the e-mail is taken' })
  create(@Body() body: CreateUserDto): Promise<AdminUserDto> {
    return this.admin.create({
      username: body.username,
      password: body.password,
      role: body.role ?? 'viewer',
      email: body.email ?? null,
    });
  }

  @Post(':id/password')
  @HttpCode(200)
  @ApiOkResponse({ type: StatusOkDto, description: 'Set; every session of the user revoked' })
  @ApiBadRequestResponse({ description: 'new_password is not 8–72 bytes' })
  @ApiNotFoundResponse({ description: 'No such user' })
  async setPassword(
    @RowIdParam('id') id: number,
    @Body() body: SetPasswordDto,
  ): Promise<StatusOkDto> {
    await this.admin.setPassword(id, body.new_password);
    return { status: 'ok' };
  }
}
