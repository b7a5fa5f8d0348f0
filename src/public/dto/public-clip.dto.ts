import { ApiProperty } from '@nestjs/swagger';

/** One clip of the public feed (PRODUCT §14). */
export class PublicClipDto {
  @ApiProperty({ description: "Twitch's clip id", example: 'AwkwardHelplessSalamanderSwiftRage' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ description: "Twitch's view_count, refreshed on every sync" })
  viewer_count: number;

  @ApiProperty({ type: String, nullable: true })
  title: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Seconds' })
  duration: number | null;

  @ApiProperty({ description: "The streamer's current display name", example: 'Gaules' })
  streamer_name: string;

  @ApiProperty({ description: "The streamer's Twitch user id", example: '181077473' })
  streamer_external_id: string;
}

export class PublicClipsDto {
  @ApiProperty({ type: [PublicClipDto], description: 'Newest first' })
  data: PublicClipDto[];
}
