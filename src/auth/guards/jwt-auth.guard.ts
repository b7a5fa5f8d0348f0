import { isNativeError } from 'node:util/types';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Passport } from 'passport';
import { AuthenticatedRequest } from '../decorators/current-user.decorator';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';
import { JWT_STRATEGY, JwtStrategy } from '../jwt.strategy';
import { InvalidTokenError } from '../token.service';

/**
 * Default deny: every route needs a valid access token unless marked @Public(). The token is
 * checked by the passport-jwt strategy (jwt.strategy.ts), and the user is checked on each request,
 * so a deleted user's still-unexpired token stops working at once and a role change applies to the
 * next request.
 *
 * Checking does not mean a user query per request: the strategy reads the database's change
 * counters (one tiny query shared by concurrent requests) and the user is re-read only when the
 * `users` counter moved — any user change, by anyone, moves it at commit. The counters are left
 * on the request, so a handler that caches by them (recent bursts) needs no read of its own.
 *
 * Passport runs the strategy, as @nestjs/passport's AuthGuard would, but from a Passport instance
 * of this app rather than the process-wide one AuthGuard uses: there the last app created in a
 * process wins, and the tests run several apps (two API replicas) in one process.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly passport: InstanceType<typeof Passport> = new Passport();

  constructor(
    private readonly reflector: Reflector,
    strategy: JwtStrategy,
  ) {
    this.passport.use(JWT_STRATEGY, strategy);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    await this.authenticate(context);
    return true;
  }

  /**
   * Checks the request's Bearer token and sets `request.user`, or throws (401, or 503 with the
   * database down). For routes that are @Public() to this guard but take a token among other
   * credentials (the live feed's ticket, src/events/events-auth.guard.ts).
   */
  async authenticate(context: ExecutionContext): Promise<void> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    request.user = await new Promise<AuthenticatedRequest['user']>((resolve, reject) => {
      const authenticate = this.passport.authenticate(
        JWT_STRATEGY,
        { session: false },
        (error: unknown, user: AuthenticatedRequest['user'] | false, info: unknown) => {
          try {
            resolve(outcome(error, user, info));
          } catch (failure) {
            reject(asError(failure));
          }
        },
      ) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
      authenticate(request, http.getResponse(), (error?: unknown) =>
        error ? reject(asError(error)) : resolve(undefined),
      );
    });
  }
}

/**
 * Passport's outcome as our errors: a claim or user check that failed (or a database that is
 * down) is re-thrown as it is; a missing or unverifiable token is a 401 `invalid_token`.
 */
function outcome<T>(error: unknown, user: T | false, info: unknown): T {
  // isNativeError as well as instanceof: socket errors (a database that is down) can come from
  // another realm, where instanceof Error is false; they must stay 503s, never become 401s.
  if (error instanceof Error || isNativeError(error)) throw error;
  if (error) throw new InvalidTokenError();
  if (user) return user;
  if (info instanceof Error && info.message === 'No auth token') {
    throw new InvalidTokenError('Missing bearer token');
  }
  throw new InvalidTokenError();
}

function asError(value: unknown): Error {
  return value instanceof Error || isNativeError(value) ? value : new InvalidTokenError();
}
