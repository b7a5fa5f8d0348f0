import { Injectable, Logger } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DomainError } from '../../common/errors/domain.error';
import { UserRole, USER_ROLES } from '../../users/entities/user.entity';
import { UsersService } from '../../users/users.service';

// @Injectable so that TypeScript emits the constructor's parameter types the subclasses inherit.
@Injectable()
abstract class UpsertUserCommand extends CommandRunner {
  protected readonly logger = new Logger('Cli');

  constructor(private readonly users: UsersService) {
    super();
  }

  protected async upsert(username: string, password: string, role: UserRole): Promise<void> {
    const user = await this.users.createOrUpdate(username, password, role);
    this.logger.log({ userId: user.id, role, created: user.created }, 'cli_user_upserted');
    process.stdout.write(
      `${user.created ? 'Created' : 'Updated'} ${role} "${user.username}" (id ${user.id})\n`,
    );
  }
}

/** `create-admin <username> <password>`: idempotent; an existing user becomes admin with this password. */
@Command({
  name: 'create-admin',
  arguments: '<username> <password>',
  description: 'Create an admin, or make an existing user admin with this password',
})
export class CreateAdminCommand extends UpsertUserCommand {
  async run([username, password]: string[]): Promise<void> {
    await this.upsert(username, password, 'admin');
  }
}

@Command({
  name: 'create-user',
  arguments: '<username> <password>',
  description: 'Create a user (or reset an existing one) with a role (default viewer)',
})
export class CreateUserCommand extends UpsertUserCommand {
  async run([username, password]: string[], options: { role?: UserRole }): Promise<void> {
    await this.upsert(username, password, options.role ?? 'viewer');
  }

  @Option({ flags: '--role <role>', description: 'viewer or admin', defaultValue: 'viewer' })
  parseRole(value: string): UserRole {
    if (!USER_ROLES.includes(value as UserRole)) {
      throw new DomainError(
        'invalid',
        'invalid_role',
        `--role must be one of ${USER_ROLES.join(', ')}`,
      );
    }
    return value as UserRole;
  }
}
