import { Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../auth/decorators/current-user.decorator';
import {
  DEFAULT_NOTIFICATIONS_LIMIT,
  MAX_NOTIFICATIONS_LIMIT,
  NotificationListDto,
  NotificationsQueryDto,
  NotificationTestDto,
  TelegramLinkDto,
} from './dto/notification.dto';
import { NotificationSettingsService } from './notification-settings.service';
import { NotificationsService } from './notifications.service';

/** The caller's notifications (§17): Telegram link, a test send, recent outcomes. */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid access token' })
@Controller('config/me')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly settings: NotificationSettingsService,
  ) {}

  @Post('telegram/link')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A t.me link whose /start binds that Telegram chat to you (valid 15 minutes)',
  })
  @ApiOkResponse({ type: TelegramLinkDto })
  @ApiServiceUnavailableResponse({ description: 'This deployment has no Telegram bot' })
  telegramLink(@CurrentUser() user: AuthenticatedUser): Promise<TelegramLinkDto> {
    return this.settings.createTelegramLink(user.id);
  }

  @Delete('telegram/link')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink your Telegram chat' })
  async telegramUnlink(@CurrentUser() user: AuthenticatedUser): Promise<void> {
    await this.settings.unlinkTelegram(user.id);
  }

  @Post('notifications/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a test message to each of your configured channels' })
  @ApiAcceptedResponse({ type: NotificationTestDto })
  @ApiConflictResponse({ description: '`Nenhum canal de notificação configurado.`' })
  test(@CurrentUser() user: AuthenticatedUser): Promise<NotificationTestDto> {
    return this.notifications.sendTest(user.id);
  }

  @Get('notifications')
  @ApiOperation({ summary: 'Your recent notifications and their outcomes, newest first' })
  @ApiOkResponse({ type: NotificationListDto })
  @ApiBadRequestResponse({
    description: `limit not an integer from 1 to ${MAX_NOTIFICATIONS_LIMIT}, or an unknown parameter`,
  })
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: NotificationsQueryDto,
  ): Promise<NotificationListDto> {
    return this.notifications.recent(user.id, query.limit ?? DEFAULT_NOTIFICATIONS_LIMIT);
  }
}
