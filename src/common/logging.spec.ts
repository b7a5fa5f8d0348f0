import { redactUrl } from './logging';

describe('redactUrl', () => {
  it('blanks credentials in a query string and keeps the rest', () => {
    expect(redactUrl('/events?ticket=abc123&since=5')).toBe('/events?ticket=[redacted]&since=5');
    expect(redactUrl('/x?access_token=eyJ.a.b')).toBe('/x?access_token=[redacted]');
    expect(redactUrl('/x?a=1&refresh_token=r&token=t')).toBe(
      '/x?a=1&refresh_token=[redacted]&token=[redacted]',
    );
    expect(redactUrl('/clips/bursts/recent?since_minutes=60')).toBe(
      '/clips/bursts/recent?since_minutes=60',
    );
  });
});
