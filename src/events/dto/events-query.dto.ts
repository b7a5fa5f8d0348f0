import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `GET /events`'s query: a ticket, or nothing (then the Bearer header). Anything else is 400. */
export class EventsQueryDto {
  @ApiPropertyOptional({
    type: String,
    description: 'A ticket from POST /events/ticket (single use, 60 s), for a browser EventSource',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ticket?: string;
}
