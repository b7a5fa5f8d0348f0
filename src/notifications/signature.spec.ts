import { createHmac } from 'node:crypto';
import { signatureHeader } from './signature';

describe('signatureHeader', () => {
  it('signs "t.body" with HMAC-SHA256, as a receiver verifies it', () => {
    const header = signatureHeader('whsec_abc', '{"a":1}', 1_700_000_000);
    const [t, v1] = header.split(',').map((part) => part.split('=')[1]);
    expect(t).toBe('1700000000');
    const expected = createHmac('sha256', 'whsec_abc').update('1700000000.{"a":1}').digest('hex');
    expect(v1).toBe(expected);
    expect(signatureHeader('other', '{"a":1}', 1_700_000_000)).not.toBe(header);
  });
});
