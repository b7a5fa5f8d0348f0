import { ApiProperty } from '@nestjs/swagger';

/** One row of `GET /config/me/history` (PRODUCT §12). */
export class DeliveryDto {
  @ApiProperty()
  clip_external_id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  delivered_at: string;

  @ApiProperty()
  streamer_display_name: string;

  @ApiProperty()
  streamer_twitch_id: string;

  @ApiProperty()
  viewer_count: number;

  @ApiProperty({ type: String, nullable: true })
  clip_title: string | null;
}

export class DeliveryHistoryDto {
  @ApiProperty({ type: DeliveryDto, isArray: true, description: 'Newest first' })
  items: DeliveryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `before` for the next page; null on the last page',
  })
  next_before: string | null;
}
