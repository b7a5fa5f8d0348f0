import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ChangeGenerationsReader,
  RequestWithGenerations,
} from '../../common/cache/change-generations';
import { AuthenticatedRequest } from '../../common/decorators/current-user.decorator';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator';
import { UsersService } from '../../users/users.service';
import { InvalidTokenError, TokenService } from '../token.service';

/**
 * Default deny: every route needs a valid access token unless marked @Public(). The user is
 * checked on each request, so a deleted user's still-unexpired token stops working at once and
 * a role change applies to the next request.
 *
 * Checking does not mean a user query per request: the guard reads the database's change
 * counters (one tiny query shared by concurrent requests) and the user is re-read only when the
 * `users` counter moved — any user change, by anyone, moves it at commit. The counters are left
 * on the request, so a handler that caches by them (recent bursts) needs no read of its own.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly generations: ChangeGenerationsReader,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;

    const request = context
      .switchToHttp()
      .getRequest<AuthenticatedRequest & RequestWithGenerations>();
    const claims = this.tokens.verifyAccess(bearerToken(request.headers.authorization));
    // Read after the request arrived: every commit that happened before it is reflected.
    const generations = await this.generations.read();
    const user = await this.users.findCurrent(claims.userId, generations.users);
    if (!user) throw new InvalidTokenError('User no longer exists');
    request.user = user;
    request.changeGenerations = generations;
    return true;
  }
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new InvalidTokenError('Missing bearer token');
  return match[1];
}
