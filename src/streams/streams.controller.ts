import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/decorators/roles.decorator';
import { CreateStreamerDto } from './dto/create-streamer.dto';
import { StreamerDto } from './dto/streamer.dto';
import { MAX_ROW_ID, RowIdParam } from './row-id.param';
import { StreamsService } from './streams.service';

@ApiTags('streams')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or invalid access token' })
@Controller('streams')
export class StreamsController {
  constructor(private readonly streams: StreamsService) {}

  @Get()
  @ApiOkResponse({ type: StreamerDto, isArray: true, description: 'Ordered by display_name' })
  list(): Promise<StreamerDto[]> {
    return this.streams.list();
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiCreatedResponse({ type: StreamerDto })
  @ApiBadRequestResponse({ description: 'Invalid field, unknown field, or credential rules' })
  @ApiForbiddenResponse({ description: 'Caller is not an admin' })
  @ApiConflictResponse({ description: 'A streamer with this twitch_user_id already exists' })
  create(@Body() body: CreateStreamerDto): Promise<StreamerDto> {
    return this.streams.create(body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } })
  @ApiNoContentResponse({ description: 'Deleted, with its clips and bursts' })
  @ApiBadRequestResponse({ description: `id is not an integer from 1 to ${MAX_ROW_ID}` })
  @ApiForbiddenResponse({ description: 'Caller is not an admin' })
  @ApiNotFoundResponse({ description: 'No streamer with this id' })
  remove(@RowIdParam('id') id: number): Promise<void> {
    return this.streams.remove(id);
  }
}
