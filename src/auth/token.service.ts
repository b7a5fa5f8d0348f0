import { createSecretKey, KeyObject, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import jwt, { JwtPayload } from 'jsonwebtoken';
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

const ALGORITHM = 'HS256';

export class InvalidTokenError extends DomainError {
  constructor(detail = 'Invalid or expired token') {
    super('unauthorized', 'invalid_token', detail);
  }
}

/**
 * Signs and verifies Clipador's JWTs. HS256 only (an `alg: none` or RS256 token is refused), every
 * token must carry `exp` and a `type`, and an access token is never accepted as a refresh token or
 * the reverse. The secret is a KeyObject: jsonwebtoken verifies ~30× faster with one than with a
 * string, which matters because every authenticated request verifies a token.
 */
@Injectable()
export class TokenService {
  private readonly key: KeyObject;
  private readonly accessSeconds: number;
  private readonly refreshSeconds: number;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    this.key = createSecretKey(Buffer.from(auth.jwtSecret, 'utf8'));
    this.accessSeconds = auth.accessMinutes * 60;
    this.refreshSeconds = auth.refreshDays * 24 * 60 * 60;
  }

  signAccess(claims: AccessClaims): string {
    return jwt.sign(
      { sub: String(claims.userId), username: claims.username, role: claims.role, type: 'access' },
      this.key,
      { algorithm: ALGORITHM, expiresIn: this.accessSeconds },
    );
  }

  signRefresh(userId: number): { token: string; claims: RefreshClaims } {
    const tokenId = randomUUID();
    const token = jwt.sign({ sub: String(userId), type: 'refresh' }, this.key, {
      algorithm: ALGORITHM,
      expiresIn: this.refreshSeconds,
      jwtid: tokenId,
    });
    const expiresAt = new Date(Date.now() + this.refreshSeconds * 1000);
    return { token, claims: { userId, tokenId, expiresAt } };
  }

  verifyAccess(token: string): AccessClaims {
    const payload = this.verify(token, 'access');
    const { username, role } = payload as { username?: unknown; role?: unknown };
    if (typeof username !== 'string' || (role !== 'admin' && role !== 'viewer')) {
      throw new InvalidTokenError();
    }
    return { userId: userIdOf(payload), username, role };
  }

  verifyRefresh(token: string): RefreshClaims {
    const payload = this.verify(token, 'refresh');
    if (typeof payload.jti !== 'string') throw new InvalidTokenError();
    return {
      userId: userIdOf(payload),
      tokenId: payload.jti,
      expiresAt: new Date((payload.exp as number) * 1000),
    };
  }

  private verify(token: string, type: TokenType): JwtPayload {
    let payload: string | JwtPayload;
    try {
      payload = jwt.verify(token, this.key, { algorithms: [ALGORITHM] });
    } catch {
      throw new InvalidTokenError();
    }
    if (typeof payload === 'string' || typeof payload.exp !== 'number') {
      throw new InvalidTokenError();
    }
    if (payload.type !== type) {
      throw new InvalidTokenError(
        type === 'access' ? 'Not an access token' : 'Not a refresh token',
      );
    }
    return payload;
  }
}

function userIdOf(payload: JwtPayload): number {
  const id = Number(payload.sub);
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidTokenError();
  return id;
}
