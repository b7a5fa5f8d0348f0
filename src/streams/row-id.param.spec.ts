import { ValidationFailedError } from '../common/errors/domain.error';
import { parseRowId } from './row-id.param';

describe('parseRowId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['007', 7],
    ['2147483647', 2_147_483_647],
  ])('reads %s as %i', (text, id) => {
    expect(parseRowId(text, 'id')).toBe(id);
  });

  it.each(['', 'abc', '0', '-1', '1.5', '1e3', '0x10', ' 7', '+7', '2147483648', '99999999999'])(
    'refuses %j with a 400 naming the field',
    (text) => {
      expect(() => parseRowId(text, 'id')).toThrow(ValidationFailedError);
      expect(() => parseRowId(text, 'id')).toThrow(
        'id: id must be an integer from 1 to 2147483647',
      );
    },
  );

  it('refuses a missing value', () => {
    expect(() => parseRowId(undefined, 'id')).toThrow(ValidationFailedError);
  });
});
