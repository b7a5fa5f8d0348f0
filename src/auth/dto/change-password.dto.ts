import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  current_password: string;

  @ApiProperty({ description: '8 to 72 bytes (UTF-8)', minLength: 8 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  new_password: string;
}
