import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { JwtAuthGuard } from '../auth/guards/jwt-auth.guard';
import { AuthenticatedRequest } from '../auth/decorators/current-user.decorator';
import { EventTicketsService } from './event-tickets';

/**
 * `GET /events` takes either credential (PRODUCT §17): `?ticket=` from POST /events/ticket (a
 * browser's EventSource cannot send headers), used up here, or `Authorization: Bearer`, checked
 * by the global JWT guard's own logic. The route is @Public() to the global guard so that a
 * ticket alone is enough.
 */
@Injectable()
export class EventsAuthGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtAuthGuard,
    private readonly tickets: EventTicketsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const query = request.query as Record<string, unknown> | undefined;
    if (query && 'ticket' in query) {
      request.user = await this.tickets.redeem(query.ticket);
      return true;
    }
    await this.jwt.authenticate(context);
    return true;
  }
}
