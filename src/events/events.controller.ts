import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  AuthenticatedRequest,
  AuthenticatedUser,
  CurrentUser,
} from '../auth/decorators/current-user.decorator';
import { Public } from '../auth/decorators/public.decorator';
import { EventTicketDto } from './dto/event-ticket.dto';
import { EventsQueryDto } from './dto/events-query.dto';
import { EventTicketsService } from './event-tickets';
import { EventsAuthGuard } from './events-auth.guard';
import { EventsHub } from './events.hub';

/** The live feed (PRODUCT §17): Server-Sent Events for the caller's streamers. */
@ApiTags('events')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid token or ticket, or ended session' })
@Controller('events')
export class EventsController {
  constructor(
    private readonly hub: EventsHub,
    private readonly tickets: EventTicketsService,
  ) {}

  @Post('ticket')
  @HttpCode(201)
  @ApiOperation({
    summary: 'A single-use ticket (60 s) for GET /events from a browser EventSource',
  })
  @ApiCreatedResponse({ type: EventTicketDto })
  ticket(@CurrentUser() user: AuthenticatedUser): Promise<EventTicketDto> {
    return this.tickets.issue(user);
  }

  @Public()
  @UseGuards(EventsAuthGuard)
  @Get()
  @ApiOperation({
    summary: 'text/event-stream: burst.created, burst.grown, streamer.online, streamer.offline',
    description:
      'Authenticated by Authorization: Bearer or ?ticket=. Last-Event-ID resumes (a `reset` ' +
      'event when it is too old); a heartbeat comment every 15 s; an `end` event when the ' +
      'session ends or the token expires.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The stream' })
  @ApiTooManyRequestsResponse({ description: 'Too many streams open for this user' })
  @ApiServiceUnavailableResponse({ description: 'This server holds all the streams it can' })
  async stream(
    @Query() query: EventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.hub.open(request, reply, request.user!, lastEventId ?? query.last_event_id);
  }
}
