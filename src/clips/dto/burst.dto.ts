import { ApiProperty } from '@nestjs/swagger';

export class BurstStreamerDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'Gaules' })
  display_name: string;

  @ApiProperty({ example: '181077473' })
  twitch_user_id: string;
}

export class BurstClipDto {
  @ApiProperty({ description: "Twitch's clip id", example: 'AwkwardHelplessSalamanderSwiftRage' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ description: "Twitch's view_count, refreshed on every sync" })
  viewer_count: number;

  @ApiProperty({ type: String, nullable: true })
  video_id: string | null;

  @ApiProperty()
  streamer_name: string;

  @ApiProperty()
  streamer_external_id: string;

  @ApiProperty({ type: String, nullable: true })
  title: string | null;

  @ApiProperty({ type: String, nullable: true })
  url: string | null;

  @ApiProperty({ type: String, nullable: true })
  thumbnail_url: string | null;
}

/** A burst as the dashboard reads it; `inicio` and `inicio_iso` are the same instant on purpose. */
export class BurstDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({ format: 'date-time', description: 'Start: the first clip' })
  inicio: string;

  @ApiProperty({ format: 'date-time', description: 'Same as inicio (kept for the dashboard)' })
  inicio_iso: string;

  @ApiProperty({ format: 'date-time', description: 'End: the last clip' })
  fim: string;

  @ApiProperty({ type: BurstStreamerDto })
  streamer: BurstStreamerDto;

  @ApiProperty({ example: 3 })
  clip_count: number;

  @ApiProperty({ description: 'The burst started while the streamer was live (§16)' })
  ao_vivo: boolean;

  @ApiProperty({ type: BurstClipDto, isArray: true, description: 'By created_at, then clip id' })
  clipes: BurstClipDto[];
}

export class RecentBurstsDto {
  @ApiProperty({ type: BurstDto, isArray: true, description: 'Newest start first' })
  data: BurstDto[];
}
