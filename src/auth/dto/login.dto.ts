import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  // Optional at the validation layer: an empty or missing field is answered with the
  // dashboard's own message ("Credenciais inválidas") by the service, not a validation error.
  @ApiProperty({ example: 'admin' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  username?: string;

  @ApiProperty({ example: 'a-long-password' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}
