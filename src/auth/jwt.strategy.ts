import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Passport } from 'passport';
import { Strategy } from 'passport-jwt';
import {
  ChangeGenerationsReader,
  RequestWithGenerations,
} from '../change-generations/change-generations';
import { AuthenticatedUser } from './decorators/current-user.decorator';
import { AppConfig } from '../config/configuration';
import { UsersService } from '../users/users.service';
import { JWT_ALGORITHM, jwtKey } from './jwt-key';
import { InvalidTokenError, TokenPayload, TokenService } from './token.service';

export const JWT_STRATEGY = 'jwt';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer …` header, or null (passport-jwt then fails the request). */
export function bearerTokenOf(request: FastifyRequest): string | null {
  const match = BEARER.exec(request.headers.authorization ?? '');
  return match ? match[1] : null;
}

/**
 * passport-jwt verifies the access token (signature with the KeyObject secret, HS256 only, expiry);
 * `validate` then checks the claims (type, exp, sub, role, sid, ver) and that the user still
 * exists with the token version the token was issued under (a password change moves it), as of
 * the database's change counters (see JwtAuthGuard), and returns the user the request acts as.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly generations: ChangeGenerationsReader,
  ) {
    const key = jwtKey(config.get('auth', { infer: true }));
    super({
      jwtFromRequest: bearerTokenOf,
      // A provider rather than `secretOrKey`, whose type admits no KeyObject.
      secretOrKeyProvider: (
        _request: unknown,
        _token: unknown,
        done: (e: null, k: never) => void,
      ) => done(null, key as never),
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  /**
   * Not the process-wide Passport: JwtAuthGuard registers this strategy on a Passport of its own
   * app (see there why).
   */
  getPassportInstance(): InstanceType<typeof Passport> {
    return new Passport();
  }

  async validate(
    request: RequestWithGenerations,
    payload: TokenPayload,
  ): Promise<AuthenticatedUser> {
    const claims = this.tokens.accessClaimsOf(payload);
    // Read after the request arrived: every commit that happened before it is reflected.
    const generations = await this.generations.read();
    const user = await this.users.findCurrent(claims.userId, generations.users);
    if (!user) throw new InvalidTokenError('User no longer exists');
    if (user.tokenVersion !== claims.tokenVersion) {
      throw new InvalidTokenError('Session ended by a password change; log in again');
    }
    request.changeGenerations = generations;
    return {
      id: user.id,
      username: user.username,
      role: user.role,
      sessionId: claims.sessionId,
      // accessClaimsOf has checked that exp is a number.
      tokenExpiresAt: new Date((payload.exp as number) * 1000),
    };
  }
}
