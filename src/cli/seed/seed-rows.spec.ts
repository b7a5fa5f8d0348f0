import { RowResult, RowValues, validateClipRow, validateStreamerRow } from './seed-rows';

/** A row as a file with exactly these columns would give it. */
function row(cells: Record<string, string>): RowValues {
  return (column) => cells[column];
}

function reasonsOf<T>(result: RowResult<T>): string[] {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.reasons;
}

function valueOf<T>(result: RowResult<T>): T {
  if (!result.ok) throw new Error(`expected a valid row, got ${result.reasons.join('; ')}`);
  return result.value;
}

describe('validateStreamerRow', () => {
  const complete = {
    twitch_user_id: '1001',
    display_name: 'Gaules',
    avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
    monitor_interval_seconds: '120',
    monitor_min_clips: '3',
    api_mode: 'clipador_trial',
    trial_expires_at: '2030-01-31T23:59:59-03:00',
    client_twitch_client_id: 'cid',
    client_twitch_client_secret: 'secret',
  };

  it('converts every column to the type POST /streams takes', () => {
    expect({ ...valueOf(validateStreamerRow(row(complete))) }).toEqual({
      twitch_user_id: '1001',
      display_name: 'Gaules',
      avatar_url: 'https://static-cdn.jtvnw.net/gaules.png',
      is_active: undefined,
      monitor_interval_seconds: 120,
      monitor_min_clips: 3,
      api_mode: 'clipador_trial',
      trial_expires_at: '2030-02-01T02:59:59.000Z',
      client_twitch_client_id: 'cid',
      client_twitch_client_secret: 'secret',
    });
  });

  it('lower-cases api_mode, as the old exports wrote it in capitals', () => {
    const value = valueOf(
      validateStreamerRow(
        row({ ...complete, api_mode: ' CLIENT ', trial_expires_at: '', display_name: '' }),
      ),
    );
    expect(value.api_mode).toBe('client');
  });

  it('reads empty cells as "not given" (null: the defaults apply) and missing columns as undefined', () => {
    const value = valueOf(
      validateStreamerRow(
        row({ twitch_user_id: ' 1002 ', display_name: '', monitor_interval_seconds: ' ' }),
      ),
    );
    expect(value.twitch_user_id).toBe('1002');
    expect(value.display_name).toBeNull();
    expect(value.monitor_interval_seconds).toBeNull();
    expect(value.api_mode).toBeUndefined();
    expect(value.client_twitch_client_secret).toBeUndefined();
  });

  it('reads a trial end without a zone as UTC', () => {
    const value = valueOf(
      validateStreamerRow(row({ twitch_user_id: '1', trial_expires_at: '2030-01-31 23:59:59' })),
    );
    expect(value.trial_expires_at).toBe('2030-01-31T23:59:59.000Z');
  });

  it.each<[string, Record<string, string>, string[]]>([
    ['a missing id', { twitch_user_id: '  ' }, ['missing twitch_user_id']],
    [
      'an id Twitch cannot have',
      { twitch_user_id: 'no spaces please' },
      ['twitch_user_id must be a string of 1-64 letters, digits or underscores'],
    ],
    [
      'an interval out of range',
      { twitch_user_id: '1', monitor_interval_seconds: '5' },
      ['monitor_interval_seconds must be an integer from 10 to 86400'],
    ],
    [
      'an interval that is not a number',
      { twitch_user_id: '1', monitor_interval_seconds: '3 minutes' },
      ['monitor_interval_seconds must be an integer from 10 to 86400'],
    ],
    [
      'a fractional clip count',
      { twitch_user_id: '1', monitor_min_clips: '2.5' },
      ['monitor_min_clips must be an integer from 1 to 1000'],
    ],
    [
      'an unknown api_mode',
      { twitch_user_id: '1', api_mode: 'premium' },
      ['api_mode must be one of: clipador_only, clipador_trial, client'],
    ],
    [
      'a trial end that is not a date-time',
      { twitch_user_id: '1', trial_expires_at: 'next year' },
      ['trial_expires_at must be an ISO 8601 date-time (got "next year")'],
    ],
    [
      'an avatar that is not an http(s) URL',
      { twitch_user_id: '1', avatar_url: 'ftp://example.com/a.png' },
      ['avatar_url must be an http(s) URL of up to 2048 characters'],
    ],
    [
      'client mode without credentials',
      { twitch_user_id: '1', api_mode: 'CLIENT' },
      [
        'client_twitch_client_id is required when api_mode is client',
        'client_twitch_client_secret is required when api_mode is client',
      ],
    ],
    [
      'a client id without its secret',
      { twitch_user_id: '1', client_twitch_client_id: 'cid', client_twitch_client_secret: '' },
      ['client_twitch_client_secret is required together with client_twitch_client_id'],
    ],
    [
      'a secret without its client id',
      { twitch_user_id: '1', client_twitch_client_secret: 'secret' },
      ['client_twitch_client_id is required together with client_twitch_client_secret'],
    ],
  ])('rejects %s', (_name, cells, reasons) => {
    expect(reasonsOf(validateStreamerRow(row(cells)))).toEqual(reasons);
  });

  it('names every bad field of a row at once', () => {
    const reasons = reasonsOf(
      validateStreamerRow(
        row({ twitch_user_id: '1', monitor_interval_seconds: '0', monitor_min_clips: 'many' }),
      ),
    );
    expect(reasons).toHaveLength(2);
  });

  it('never puts a secret in a reason', () => {
    const secret = 'has spaces so it is invalid';
    const reasons = reasonsOf(
      validateStreamerRow(
        row({
          twitch_user_id: '1',
          client_twitch_client_id: 'cid',
          client_twitch_client_secret: secret,
        }),
      ),
    );
    expect(reasons.join(' ')).not.toContain(secret);
  });
});

describe('validateClipRow', () => {
  const complete = {
    clip_id: 'AceClutch',
    streamer_twitch_user_id: '1001',
    streamer_name: 'Gaules TV',
    created_at: '2024-05-01T11:50:00Z',
    viewer_count: '150',
    video_id: 'v100',
    title: ' Ace, clutch, 1v5 ',
    duration: '30.5',
  };

  it('converts every column', () => {
    expect(valueOf(validateClipRow(row(complete)))).toEqual({
      clipId: 'AceClutch',
      streamerTwitchUserId: '1001',
      streamerName: 'Gaules TV',
      createdAt: new Date('2024-05-01T11:50:00Z'),
      viewerCount: 150,
      videoId: 'v100',
      title: ' Ace, clutch, 1v5 ',
      duration: 30.5,
    });
  });

  it('defaults empty optional cells: 0 views, no video, title, duration or streamer name', () => {
    const value = valueOf(
      validateClipRow(
        row({
          ...complete,
          streamer_name: '',
          viewer_count: '',
          video_id: '',
          title: '',
          duration: '',
        }),
      ),
    );
    expect(value).toMatchObject({
      viewerCount: 0,
      videoId: null,
      title: null,
      duration: null,
      streamerName: null,
    });
  });

  it('accepts rows without the optional columns at all', () => {
    const value = valueOf(
      validateClipRow(
        row({ clip_id: 'c', streamer_twitch_user_id: '1', created_at: '2024-05-01 11:50:00' }),
      ),
    );
    expect(value.createdAt.toISOString()).toBe('2024-05-01T11:50:00.000Z');
    expect(value.viewerCount).toBe(0);
  });

  it.each<[string, Record<string, string>, string]>([
    ['a missing clip id', { clip_id: ' ' }, 'missing clip_id'],
    [
      'a clip id too long to store',
      { clip_id: 'x'.repeat(129) },
      'clip_id must be at most 128 characters',
    ],
    ['a missing streamer', { streamer_twitch_user_id: '' }, 'missing streamer_twitch_user_id'],
    [
      'a streamer id Twitch cannot have',
      { streamer_twitch_user_id: 'a-b' },
      'streamer_twitch_user_id must be a string of 1-64 letters, digits or underscores',
    ],
    ['a missing date', { created_at: '' }, 'missing created_at'],
    [
      'a date that is not ISO 8601',
      { created_at: '01/05/2024 11:50' },
      'created_at must be an ISO 8601 date-time (got "01/05/2024 11:50")',
    ],
    [
      'a negative view count',
      { viewer_count: '-5' },
      'viewer_count must be an integer from 0 to 2147483647 (got "-5")',
    ],
    [
      'a view count that is not a number',
      { viewer_count: 'lots' },
      'viewer_count must be an integer from 0 to 2147483647 (got "lots")',
    ],
    [
      'a view count too large to store',
      { viewer_count: '2147483648' },
      'viewer_count must be an integer from 0 to 2147483647 (got "2147483648")',
    ],
    [
      'a fractional view count',
      { viewer_count: '1.5' },
      'viewer_count must be an integer from 0 to 2147483647 (got "1.5")',
    ],
    [
      'a negative duration',
      { duration: '-3' },
      'duration must be a non-negative number of seconds (got "-3")',
    ],
    [
      'a duration that is not a number',
      { duration: '0x10' },
      'duration must be a non-negative number of seconds (got "0x10")',
    ],
    [
      'a video id too long to store',
      { video_id: 'v'.repeat(65) },
      'video_id must be at most 64 characters',
    ],
    [
      'a streamer name too long to store',
      { streamer_name: 'n'.repeat(257) },
      'streamer_name must be at most 256 characters',
    ],
  ])('rejects %s', (_name, cells, reason) => {
    expect(reasonsOf(validateClipRow(row({ ...complete, ...cells })))).toEqual([reason]);
  });

  it('cuts a long bad value short in the reason', () => {
    const [reason] = reasonsOf(validateClipRow(row({ ...complete, created_at: 'x'.repeat(500) })));
    expect(reason.length).toBeLessThan(120);
  });
});
