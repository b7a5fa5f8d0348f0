import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error';
import { PasswordPoolBusyError } from '../users/password-pool';
import { UserSummary, UsersService } from '../users/users.service';
import { LoginAttempt, LoginThrottler } from './login-throttler';
import { SessionsRepository } from './sessions.repository';
import { InvalidTokenError, TokenService } from './token.service';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
}

/**
 * Logins, sessions and password changes (PRODUCT §6 "Sessions and login"). A login starts a
 * session (a refresh-token family) that ends JWT_REFRESH_DAYS later at the latest; each refresh
 * uses its token up and hands out the next one of the family.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsRepository,
    private readonly throttler: LoginThrottler,
  ) {}

  /** A password change, wherever it is made (UsersService.setPassword), ends every session. */
  onModuleInit(): void {
    this.users.onPasswordChanged(async (userId) => {
      const revoked = await this.sessions.revokeAllForUser(userId);
      this.logger.log({ userId, revoked }, 'sessions_revoked_password_changed');
    });
  }

  async login(
    username: string | undefined,
    password: string | undefined,
    address: string,
  ): Promise<TokenPair> {
    if (!username?.trim() || !password) {
      throw new DomainError('invalid', 'invalid_credentials', 'Credenciais inválidas');
    }
    const user = await this.checkPassword(username, password, address);
    if (!user) {
      this.logger.warn({ username, address }, 'login_failed');
      throw new DomainError('unauthorized', 'incorrect_credentials', 'Credenciais incorretas');
    }
    await this.sessions.pruneForUser(user.id);
    this.logger.log({ userId: user.id, address }, 'login_succeeded');
    return this.startSession(user);
  }

  /**
   * Exchanges a refresh token for a new pair of its session. The token is used up (rotation); the
   * same token again within 30 s (two tabs refreshing together) gets a fresh pair of the same
   * session; later, it revokes the session — a stolen token used by two parties ends it for both.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = this.tokens.verifyRefresh(refreshToken);
    let session = await this.sessions.rotate(claims.tokenId, claims.userId);
    if (!session) {
      const state = await this.sessions.inspect(claims.tokenId, claims.userId);
      if (!state || state.ended || state.sessionId !== claims.sessionId) {
        throw new InvalidTokenError('Refresh token revoked or unknown');
      }
      if (!state.inGrace) {
        await this.sessions.revoke(state.sessionId, claims.userId);
        this.logger.warn(
          { userId: claims.userId, sessionId: state.sessionId },
          'refresh_token_reused_session_revoked',
        );
        throw new InvalidTokenError('Refresh token already used; the session has been ended');
      }
      session = state;
    }
    const user = await this.users.findById(claims.userId);
    if (!user) throw new InvalidTokenError('User no longer exists');
    if (user.tokenVersion !== claims.tokenVersion) {
      await this.sessions.revoke(session.sessionId, user.id);
      throw new InvalidTokenError('Session ended by a password change; log in again');
    }
    const pair = this.pair(user, session.sessionId, session.expiresAt);
    if (
      !(await this.sessions.addToken(
        session.sessionId,
        user.id,
        pair.refresh.tokenId,
        session.expiresAt,
      ))
    ) {
      throw new InvalidTokenError('Refresh token revoked or unknown');
    }
    return pair.answer;
  }

  /**
   * Which of these sessions are live (not revoked, not past their end, their user not deleted):
   * the live feed closes streams of the others.
   */
  async liveSessionIds(sessionIds: readonly string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    return new Set(await this.sessions.findLive(sessionIds));
  }

  /** Ends the caller's session (the one its access token belongs to), and only that one. */
  async logout(userId: number, sessionId: string): Promise<void> {
    const revoked = await this.sessions.revoke(sessionId, userId);
    this.logger.log({ userId, sessionId, revoked }, 'logout');
  }

  /**
   * POST /auth/password: the current password is checked (throttled like a login), the new one
   * set through UsersService.setPassword — which ends every session of the user — and the caller
   * gets a fresh session, so only the other sessions end for it.
   */
  async changePassword(
    user: { id: number; username: string },
    currentPassword: string,
    newPassword: string,
    address: string,
  ): Promise<TokenPair> {
    const checked = await this.checkPassword(user.username, currentPassword, address);
    if (!checked || checked.id !== user.id) {
      throw new DomainError('forbidden', 'incorrect_password', 'Senha atual incorreta');
    }
    await this.users.setPassword(user.id, newPassword);
    const updated = await this.users.findById(user.id);
    if (!updated) throw new InvalidTokenError('User no longer exists');
    return this.startSession(updated);
  }

  /**
   * One password check, counted by the throttle before it runs: the user, or null for a wrong
   * password or an unknown user. A check the password pool sheds (429 `login_busy`) is not
   * counted.
   */
  private async checkPassword(
    username: string,
    password: string,
    address: string,
  ): Promise<UserSummary | null> {
    const attempt: LoginAttempt = await this.throttler.begin(username, address);
    let user: UserSummary | null;
    try {
      user = await this.users.verifyCredentials(username, password);
    } catch (error) {
      if (error instanceof PasswordPoolBusyError) {
        await this.throttler.abandoned(attempt);
        this.logger.warn({ username, address }, 'login_shed_password_pool_busy');
      }
      throw error;
    }
    if (user) await this.throttler.succeeded(attempt);
    return user;
  }

  private async startSession(user: UserSummary): Promise<TokenPair> {
    const sessionId = randomUUID();
    const expiresAt = this.tokens.sessionEnd();
    const pair = this.pair(user, sessionId, expiresAt);
    await this.sessions.start(user.id, sessionId, pair.refresh.tokenId, expiresAt);
    return pair.answer;
  }

  private pair(
    user: UserSummary,
    sessionId: string,
    sessionEnd: Date,
  ): { answer: TokenPair; refresh: { tokenId: string } } {
    const session = { userId: user.id, sessionId, tokenVersion: user.tokenVersion };
    const refresh = this.tokens.signRefresh(session, sessionEnd);
    return {
      answer: {
        access_token: this.tokens.signAccess(
          { ...session, username: user.username, role: user.role },
          sessionEnd,
        ),
        refresh_token: refresh.token,
        token_type: 'bearer',
      },
      refresh: refresh.claims,
    };
  }
}
