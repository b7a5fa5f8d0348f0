import { ApiProperty } from '@nestjs/swagger';
import { MAX_ROW_ID } from '../../streams/row-id.param';
import { Satisfies } from './validators';

export const MAX_REORDER_IDS = 999;

/** Body of `POST /config/me/streamers/reorder`: order_index becomes each id's position. */
export class ReorderStreamersDto {
  @ApiProperty({
    type: 'integer',
    isArray: true,
    minItems: 1,
    maxItems: MAX_REORDER_IDS,
    uniqueItems: true,
    example: [3, 1, 2],
    description: 'streamers.id values, each attached to the caller, in the new order',
  })
  @Satisfies(
    'streamerIds',
    (value) =>
      Array.isArray(value) &&
      value.length >= 1 &&
      value.length <= MAX_REORDER_IDS &&
      value.every((id) => Number.isInteger(id) && id >= 1 && id <= MAX_ROW_ID) &&
      new Set(value).size === value.length,
    `an array of 1-${MAX_REORDER_IDS} distinct streamer ids (integers from 1 to ${MAX_ROW_ID})`,
  )
  streamer_ids: number[];
}
