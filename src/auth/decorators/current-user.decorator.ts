import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling, as the JWT guard established it. */
export interface AuthenticatedUser {
  id: number;
  username: string;
  role: 'admin' | 'viewer';
  /** The session (refresh-token family) the access token came from: its `sid` claim. */
  sessionId: string;
  /** When the access token the request came with expires (its `exp`): the live feed closes then. */
  tokenExpiresAt: Date;
}

export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => {
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user) throw new Error('CurrentUser used on a route without authentication');
    return user;
  },
);
