import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { PresetDto, PresetsDto, ResolvedDto } from './dto/monitoring-responses.dto';
import { ResolveMonitoringDto } from './dto/resolve-monitoring.dto';
import { PRESETS, resolveMonitoring } from './presets';

/**
 * Presets are constants and resolving is a pure function (monitoring/presets.ts): there is no
 * state or I/O for a service to own, so the controller calls them directly.
 */
@ApiTags('monitoring')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid access token' })
@ApiExtraModels(PresetDto)
@Controller('monitoring')
export class MonitoringController {
  @Get('presets')
  @ApiOkResponse({ type: PresetsDto })
  presets(): PresetsDto {
    return { data: PRESETS };
  }

  @Post('resolve')
  @HttpCode(200)
  @ApiOkResponse({ type: ResolvedDto })
  @ApiBadRequestResponse({ description: 'Unknown field, or a body that is not a JSON object' })
  // The global pipe refuses an array or a scalar body ("object is expected"), and turns no body
  // (or JSON null) into an empty DTO: all defaults, i.e. PADRAO. The parameter's type must stay
  // the bare class: a union would reflect as Object and switch validation off entirely.
  resolve(@Body() body: ResolveMonitoringDto): ResolvedDto {
    return { data: resolveMonitoring(body) };
  }
}
