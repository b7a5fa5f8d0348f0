import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error';
import { UserSummary, UsersService } from '../users/users.service';
import { LoginThrottler } from './login-throttler';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { InvalidTokenError, TokenService } from './token.service';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly throttler: LoginThrottler,
  ) {}

  async login(
    username: string | undefined,
    password: string | undefined,
    ip: string,
  ): Promise<TokenPair> {
    if (!username?.trim() || !password) {
      throw new DomainError('invalid', 'invalid_credentials', 'Credenciais inválidas');
    }
    await this.throttler.assertAllowed(username, ip);
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      await this.throttler.recordFailure(username, ip);
      this.logger.warn({ username, ip }, 'login_failed');
      throw new DomainError('unauthorized', 'incorrect_credentials', 'Credenciais incorretas');
    }
    await this.throttler.recordSuccess(username);
    await this.refreshTokens.pruneForUser(user.id);
    this.logger.log({ userId: user.id, ip }, 'login_succeeded');
    return this.issue(user);
  }

  /** Exchanges a live refresh token for a new pair; the old refresh token is used up (rotation). */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = this.tokens.verifyRefresh(refreshToken);
    if (!(await this.refreshTokens.revokeIfLive(claims.tokenId, claims.userId))) {
      throw new InvalidTokenError('Refresh token revoked or unknown');
    }
    const user = await this.users.findById(claims.userId);
    if (!user) throw new InvalidTokenError('User no longer exists');
    return this.issue(user);
  }

  async logout(userId: number): Promise<void> {
    const revoked = await this.refreshTokens.revokeAllForUser(userId);
    this.logger.log({ userId, revoked }, 'logout');
  }

  private async issue(user: UserSummary): Promise<TokenPair> {
    const refresh = this.tokens.signRefresh(user.id);
    await this.refreshTokens.add(refresh.claims.tokenId, user.id, refresh.claims.expiresAt);
    return {
      access_token: this.tokens.signAccess({
        userId: user.id,
        username: user.username,
        role: user.role,
      }),
      refresh_token: refresh.token,
      token_type: 'bearer',
    };
  }
}
