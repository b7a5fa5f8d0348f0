import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `GET /events`'s query: a ticket (else the Bearer header) and a resume point. Anything else is 400. */
export class EventsQueryDto {
  @ApiPropertyOptional({
    type: String,
    description: 'A ticket from POST /events/ticket (single use, 60 s), for a browser EventSource',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ticket?: string;

  @ApiPropertyOptional({
    type: String,
    example: '1764646993012-0',
    description:
      'As the Last-Event-ID header (which wins): for a new EventSource, which cannot set it, ' +
      'opened with a new ticket after the previous one was used up',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  last_event_id?: string;
}
