import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthenticatedRequest } from '../../common/decorators/current-user.decorator';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator';
import { UsersService } from '../../users/users.service';
import { InvalidTokenError, TokenService } from '../token.service';

/**
 * Default deny: every route needs a valid access token unless marked @Public(). The user is
 * looked up on each request, so a deleted user's still-unexpired token stops working at once and
 * a role change applies to the next request.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const claims = this.tokens.verifyAccess(bearerToken(request.headers.authorization));
    const user = await this.users.findById(claims.userId);
    if (!user) throw new InvalidTokenError('User no longer exists');
    request.user = user;
    return true;
  }
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new InvalidTokenError('Missing bearer token');
  return match[1];
}
