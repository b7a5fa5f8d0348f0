import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangeGenerationsModule } from '../change-generations/change-generations';
import { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), ChangeGenerationsModule],
  providers: [UsersRepository, UsersService, PasswordHasher],
  // The change counters go with the users: whoever checks a user per request (the JWT guard)
  // reads them to know whether the user it remembers is still current.
  exports: [UsersService, PasswordHasher, ChangeGenerationsModule],
})
export class UsersModule {}
