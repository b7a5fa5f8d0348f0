import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { DomainError } from '../common/errors/domain.error';
import type { UserRole } from '../users/entities/user.entity';
import { AppConfig } from '../config/configuration';

export type TokenType = 'access' | 'refresh';

/** Claims both kinds of token carry: whose, which session, under which token version. */
interface SessionClaims {
  userId: number;
  /** `sid`: the session (refresh-token family). */
  sessionId: string;
  /** `ver`: the user's token version when the token was issued. */
  tokenVersion: number;
}

export interface AccessClaims extends SessionClaims {
  username: string;
  role: UserRole;
}

export interface RefreshClaims extends SessionClaims {
  tokenId: string;
  expiresAt: Date;
}

/** What a verified token's payload may hold; every field is checked before it is trusted. */
export interface TokenPayload {
  sub?: unknown;
  type?: unknown;
  exp?: unknown;
  jti?: unknown;
  sid?: unknown;
  ver?: unknown;
  username?: unknown;
  role?: unknown;
}

export class InvalidTokenError extends DomainError {
  constructor(detail = 'Invalid or expired token') {
    super('unauthorized', 'invalid_token', detail);
  }
}

/**
 * Signs Clipador's JWTs with @nestjs/jwt's JwtService (HS256 and the KeyObject secret are set once,
 * in AuthModule) and checks what a verified payload must hold. Every token carries `exp` and a
 * `type`, and an access token is never accepted as a refresh token or the reverse. Access tokens
 * are verified by the passport-jwt strategy (jwt.strategy.ts) with the same key and algorithm;
 * refresh tokens here.
 */
@Injectable()
export class TokenService {
  private readonly accessSeconds: number;
  private readonly refreshSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService<AppConfig, true>,
  ) {
    const auth = config.get('auth', { infer: true });
    this.accessSeconds = auth.accessMinutes * 60;
    this.refreshSeconds = auth.refreshDays * 24 * 60 * 60;
  }

  /** When a session started now ends: JWT_REFRESH_DAYS from its login, whatever rotates. */
  sessionEnd(): Date {
    return new Date(Date.now() + this.refreshSeconds * 1000);
  }

  /** An access token of a session; it never outlives the session. */
  signAccess(claims: AccessClaims, sessionEnd: Date): string {
    const exp = Math.min(
      Math.floor(Date.now() / 1000) + this.accessSeconds,
      Math.floor(sessionEnd.getTime() / 1000),
    );
    return this.jwt.sign({
      sub: String(claims.userId),
      username: claims.username,
      role: claims.role,
      type: 'access',
      sid: claims.sessionId,
      ver: claims.tokenVersion,
      exp,
    });
  }

  /** A refresh token of a session, expiring with it (rotation never extends a session). */
  signRefresh(claims: SessionClaims, sessionEnd: Date): { token: string; claims: RefreshClaims } {
    const tokenId = randomUUID();
    const token = this.jwt.sign(
      {
        sub: String(claims.userId),
        type: 'refresh',
        sid: claims.sessionId,
        ver: claims.tokenVersion,
        exp: Math.floor(sessionEnd.getTime() / 1000),
      },
      { jwtid: tokenId },
    );
    return { token, claims: { ...claims, tokenId, expiresAt: sessionEnd } };
  }

  /** The claims of a payload the strategy has verified (signature, algorithm, expiry). */
  accessClaimsOf(payload: TokenPayload): AccessClaims {
    checkTypeAndExpiry(payload, 'access');
    const { username, role } = payload;
    if (typeof username !== 'string' || (role !== 'admin' && role !== 'viewer')) {
      throw new InvalidTokenError();
    }
    return { ...sessionClaimsOf(payload), username, role };
  }

  verifyRefresh(token: string): RefreshClaims {
    let payload: TokenPayload;
    try {
      payload = this.jwt.verify<TokenPayload & object>(token);
    } catch {
      throw new InvalidTokenError();
    }
    checkTypeAndExpiry(payload, 'refresh');
    if (typeof payload.jti !== 'string' || !UUID.test(payload.jti)) throw new InvalidTokenError();
    return {
      ...sessionClaimsOf(payload),
      tokenId: payload.jti,
      expiresAt: new Date((payload.exp as number) * 1000),
    };
  }
}

function checkTypeAndExpiry(payload: TokenPayload, type: TokenType): void {
  if (typeof payload !== 'object' || payload === null || typeof payload.exp !== 'number') {
    throw new InvalidTokenError();
  }
  if (payload.type !== type) {
    throw new InvalidTokenError(type === 'access' ? 'Not an access token' : 'Not a refresh token');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sessionClaimsOf(payload: TokenPayload): SessionClaims {
  const { sid, ver } = payload;
  if (typeof sid !== 'string' || !UUID.test(sid)) throw new InvalidTokenError();
  if (typeof ver !== 'number' || !Number.isSafeInteger(ver) || ver < 0) {
    throw new InvalidTokenError();
  }
  return { userId: userIdOf(payload), sessionId: sid, tokenVersion: ver };
}

function userIdOf(payload: TokenPayload): number {
  const id = Number(payload.sub);
  if (typeof payload.sub !== 'string' || !Number.isSafeInteger(id) || id <= 0) {
    throw new InvalidTokenError();
  }
  return id;
}
