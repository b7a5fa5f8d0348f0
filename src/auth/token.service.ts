import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { DomainError } from '../common/errors/domain.error';
import type { UserRole } from '../users/entities/user.entity';
import { AppConfig } from '../config/configuration';

export type TokenType = 'access' | 'refresh';

export interface AccessClaims {
  userId: number;
  username: string;
  role: UserRole;
}

export interface RefreshClaims {
  userId: number;
  tokenId: string;
  expiresAt: Date;
}

/** What a verified token's payload may hold; every field is checked before it is trusted. */
export interface TokenPayload {
  sub?: unknown;
  type?: unknown;
  exp?: unknown;
  jti?: unknown;
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

  signAccess(claims: AccessClaims): string {
    return this.jwt.sign(
      { sub: String(claims.userId), username: claims.username, role: claims.role, type: 'access' },
      { expiresIn: this.accessSeconds },
    );
  }

  signRefresh(userId: number): { token: string; claims: RefreshClaims } {
    const tokenId = randomUUID();
    const token = this.jwt.sign(
      { sub: String(userId), type: 'refresh' },
      { expiresIn: this.refreshSeconds, jwtid: tokenId },
    );
    const expiresAt = new Date(Date.now() + this.refreshSeconds * 1000);
    return { token, claims: { userId, tokenId, expiresAt } };
  }

  /** The claims of a payload the strategy has verified (signature, algorithm, expiry). */
  accessClaimsOf(payload: TokenPayload): AccessClaims {
    checkTypeAndExpiry(payload, 'access');
    const { username, role } = payload;
    if (typeof username !== 'string' || (role !== 'admin' && role !== 'viewer')) {
      throw new InvalidTokenError();
    }
    return { userId: userIdOf(payload), username, role };
  }

  verifyRefresh(token: string): RefreshClaims {
    let payload: TokenPayload;
    try {
      payload = this.jwt.verify<TokenPayload & object>(token);
    } catch {
      throw new InvalidTokenError();
    }
    checkTypeAndExpiry(payload, 'refresh');
    if (typeof payload.jti !== 'string') throw new InvalidTokenError();
    return {
      userId: userIdOf(payload),
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

function userIdOf(payload: TokenPayload): number {
  const id = Number(payload.sub);
  if (typeof payload.sub !== 'string' || !Number.isSafeInteger(id) || id <= 0) {
    throw new InvalidTokenError();
  }
  return id;
}
