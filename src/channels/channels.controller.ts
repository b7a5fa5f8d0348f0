import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ChangeGenerations, RequestGenerations } from '../change-generations/change-generations';
import { AuthenticatedUser, CurrentUser } from '../auth/decorators/current-user.decorator';
import { DeliveriesService } from '../deliveries/deliveries.service';
import { DeliveryHistoryDto } from '../deliveries/dto/delivery.dto';
import {
  DEFAULT_HISTORY_LIMIT,
  HistoryQueryDto,
  MAX_HISTORY_LIMIT,
  parseHistoryCursor,
} from '../deliveries/dto/history-query.dto';
import { MAX_ROW_ID, RowIdParam } from '../streams/row-id.param';
import { ChannelsService } from './channels.service';
import { AttachStreamerDto } from './dto/attach-streamer.dto';
import { ChannelConfigDto } from './dto/channel-config.dto';
import { ReorderStreamersDto } from './dto/reorder-streamers.dto';
import { UpdateChannelConfigDto } from './dto/update-channel-config.dto';

/** The dashboard's Streams page: the caller's own channel (viewer or admin). */
@ApiTags('channels')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid access token' })
@Controller('config/me')
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your channel config; the first call stores the defaults' })
  @ApiOkResponse({ type: ChannelConfigDto })
  get(
    @CurrentUser() user: AuthenticatedUser,
    @RequestGenerations() generations: ChangeGenerations | undefined,
  ): Promise<ChannelConfigDto> {
    return this.channels.getConfig(user.id, generations);
  }

  @Put()
  @ApiOperation({ summary: 'Change any subset of the config; null clears a nullable field' })
  @ApiOkResponse({ type: ChannelConfigDto })
  @ApiBadRequestResponse({ description: 'A field out of range, of the wrong type, or unknown' })
  @ApiForbiddenResponse({ description: 'slots_configured given by a non-admin' })
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: UpdateChannelConfigDto,
  ): Promise<ChannelConfigDto> {
    return this.channels.updateConfig(user, body);
  }

  @Post('streamers')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Subscribe to a streamer (a numeric id, or a login resolved on Twitch)',
  })
  @ApiCreatedResponse({ type: ChannelConfigDto })
  @ApiBadRequestResponse({ description: 'A field out of range, of the wrong type, or unknown' })
  @ApiForbiddenResponse({ description: 'api_mode given by a non-admin' })
  @ApiNotFoundResponse({ description: '`Streamer não encontrado na Twitch.`' })
  @ApiConflictResponse({
    description: '`Streamer já configurado.` or `Limite de slots atingido para o seu plano.`',
  })
  @ApiServiceUnavailableResponse({ description: 'A login could not be resolved: Twitch is down' })
  attach(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: AttachStreamerDto,
  ): Promise<ChannelConfigDto> {
    return this.channels.attach(user, body);
  }

  @Delete('streamers/:streamer_id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unsubscribe; answers the config as JSON' })
  @ApiParam({ name: 'streamer_id', schema: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } })
  @ApiOkResponse({ type: ChannelConfigDto })
  @ApiBadRequestResponse({ description: `streamer_id is not an integer from 1 to ${MAX_ROW_ID}` })
  @ApiNotFoundResponse({ description: '`Streamer não configurado.` (not attached)' })
  detach(
    @CurrentUser() user: AuthenticatedUser,
    @RowIdParam('streamer_id') streamerId: number,
  ): Promise<ChannelConfigDto> {
    return this.channels.detach(user.id, streamerId);
  }

  @Post('streamers/reorder')
  @HttpCode(200)
  @ApiOperation({ summary: 'order_index = position in streamer_ids' })
  @ApiOkResponse({ type: ChannelConfigDto })
  @ApiBadRequestResponse({ description: 'Not 1-999 distinct ids, or ids not attached (named)' })
  reorder(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ReorderStreamersDto,
  ): Promise<ChannelConfigDto> {
    return this.channels.reorder(user.id, body.streamer_ids);
  }

  @Get('history')
  @ApiOperation({ summary: 'Clips delivered to you, newest first (pages with `before`)' })
  @ApiOkResponse({ type: DeliveryHistoryDto })
  @ApiBadRequestResponse({
    description: `limit not an integer from 1 to ${MAX_HISTORY_LIMIT}, a bad cursor, or an unknown parameter`,
  })
  history(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: HistoryQueryDto,
  ): Promise<DeliveryHistoryDto> {
    return this.deliveries.history(
      user.id,
      query.limit ?? DEFAULT_HISTORY_LIMIT,
      query.before ? parseHistoryCursor(query.before) : null,
    );
  }
}
