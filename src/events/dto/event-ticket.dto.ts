import { ApiProperty } from '@nestjs/swagger';

export class EventTicketDto {
  @ApiProperty({ description: 'Pass as `GET /events?ticket=…` within expires_in seconds, once' })
  ticket: string;

  @ApiProperty({ type: 'integer', example: 60 })
  expires_in: number;
}
