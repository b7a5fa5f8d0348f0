import { ApiProperty } from '@nestjs/swagger';

export class TokenPairDto {
  @ApiProperty()
  access_token: string;

  @ApiProperty()
  refresh_token: string;

  @ApiProperty({ example: 'bearer' })
  token_type: 'bearer';
}

export class MeDto {
  @ApiProperty()
  username: string;

  @ApiProperty({ enum: ['admin', 'viewer'] })
  role: 'admin' | 'viewer';
}

export class StatusOkDto {
  @ApiProperty({ example: 'ok' })
  status: 'ok';
}
