import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { ROUTE_BODY_LIMIT } from '../common/route-body-limit';
import { Public } from '../auth/decorators/public.decorator';
import { BillingService } from './billing.service';

/** Kirvano's bodies are a few KB; anything past this is refused with 413 before it is parsed. */
export const KIRVANO_BODY_LIMIT_BYTES = 64 * 1024;

class WebhookAnswerDto {
  @ApiProperty({ example: 'success' })
  status: 'success';
}

@ApiTags('billing')
@Public()
@Controller('webhooks')
export class BillingController {
  constructor(private readonly billing: BillingService) {}

  /**
   * The body is Kirvano's own JSON (free-form; unknown fields are kept, not refused), read by
   * parseKirvanoEvent: event, status, sale_id, customer.{email,id}, products[0].offer_name or
   * plan.name, and a charge or period id.
   */
  @Post('kirvano')
  @HttpCode(200)
  @RouteConfig({ [ROUTE_BODY_LIMIT]: KIRVANO_BODY_LIMIT_BYTES })
  @ApiHeader({ name: 'Security-Token', required: true, description: 'CLIPADOR_KIRVANO_TOKEN' })
  @ApiOkResponse({ type: WebhookAnswerDto, description: 'Applied, already applied, or ignored' })
  @ApiBadRequestResponse({ description: 'Email missing / sale_id missing (SALE_APPROVED)' })
  @ApiForbiddenResponse({ description: 'Invalid token (also every call while no token is set)' })
  @ApiPayloadTooLargeResponse({ description: 'Body over 64 KB' })
  async kirvano(
    @Headers('security-token') token: string | undefined,
    @Body() body: unknown,
  ): Promise<WebhookAnswerDto> {
    await this.billing.handleKirvano(token, body);
    return { status: 'success' };
  }
}
