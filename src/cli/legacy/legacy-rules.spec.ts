import {
  assignEmails,
  clamp,
  mapChannelConfig,
  mapClip,
  mapDelivery,
  mapPurchase,
  mapStreamer,
  mapUser,
  UserImportRow,
} from './legacy-rules';

const PBKDF2 =
  '$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk';
const BCRYPT = '$2b$11$hFEQvS6iQCWPIye/wYc8G.QbHIjoSH.x5oNkPLVWmhDux/zB9ruUW';
const everyColumn = () => true;
const migrationsShape = (column: string) =>
  ![
    'api_mode',
    'trial_expires_at',
    'client_twitch_client_id',
    'client_twitch_client_secret',
  ].includes(column);

function ok<T>(mapped: { ok: true; value: T; notes: string[] } | { ok: false; reasons: string[] }) {
  if (!mapped.ok) throw new Error(`expected a mapped row, got: ${mapped.reasons.join('; ')}`);
  return mapped;
}

describe('clamp', () => {
  it('keeps values in range and null, and clamps the rest with a note naming the column', () => {
    const notes: string[] = [];
    expect(clamp(120, { min: 10, max: 600 }, 'w', notes)).toBe(120);
    expect(clamp(null, { min: 10, max: 600 }, 'w', notes)).toBeNull();
    expect(notes).toEqual([]);
    expect(clamp(0, { min: 10, max: 600 }, 'w', notes)).toBe(10);
    expect(clamp(-5, { min: 1, max: 10 }, 'k', notes)).toBe(1);
    expect(clamp(99_999, { min: 10, max: 600 }, 'w', notes)).toBe(600);
    expect(notes).toEqual([
      'w 0 is outside 10–600: clamped to 10',
      'k -5 is outside 1–10: clamped to 1',
      'w 99999 is outside 10–600: clamped to 600',
    ]);
  });
});

describe('mapUser', () => {
  const admins = new Set(['root']);
  const row = (fields: Record<string, unknown>) => ({ id: 1, hashed_password: PBKDF2, ...fields });

  it('makes every old user a viewer unless named in --admins', () => {
    expect(ok(mapUser(row({ username: 'ana', role: 'admin' }), admins)).value.role).toBe('viewer');
    expect(ok(mapUser(row({ username: 'root', role: 'viewer' }), admins)).value.role).toBe('admin');
  });

  it('notes a role that does not exist here, and keeps a bcrypt or passlib hash as it is', () => {
    const mapped = ok(mapUser(row({ username: 'ana', role: 'editor' }), admins));
    expect(mapped.notes).toEqual(['role "editor" is not a role here: viewer']);
    expect(mapped.value.hashedPassword).toBe(PBKDF2);
    expect(ok(mapUser(row({ username: 'b', hashed_password: BCRYPT }), admins)).notes).toEqual([]);
  });

  it('takes a user with a hash it cannot verify, saying that they cannot log in', () => {
    const mapped = ok(mapUser(row({ username: 'ana', hashed_password: '$md5$abc' }), admins));
    expect(mapped.notes).toEqual([expect.stringContaining('cannot log in until an admin')]);
  });

  it('rejects a user without a username or a hash', () => {
    expect(mapUser(row({ username: ' ', hashed_password: '' }), admins)).toEqual({
      ok: false,
      reasons: ['no username', 'no password hash'],
    });
  });

  it('lower-cases the e-mail and fills the plan defaults', () => {
    const { value } = ok(mapUser(row({ username: 'ana', email: ' Ana@X.org ' }), admins));
    expect(value).toMatchObject({
      email: 'ana@x.org',
      plan: 'free',
      status: 'active',
      trialUsed: false,
    });
  });
});

describe('assignEmails', () => {
  const user = (legacyId: number, email: string | null) =>
    ({ legacyId, email }) as unknown as UserImportRow;

  it('keeps an e-mail with its first user and drops it from later ones that differ in case only', () => {
    const users = [user(1, 'a@x.org'), user(2, 'b@x.org'), user(3, 'a@x.org'), user(4, null)];
    const notes = assignEmails(users);
    expect(users.map((u) => u.email)).toEqual(['a@x.org', 'b@x.org', null, null]);
    expect([...notes.keys()]).toEqual([3]);
    expect(notes.get(3)).toContain("users id 1's");
  });
});

describe('mapStreamer', () => {
  const row = (fields: Record<string, unknown>) => ({ id: 5, twitch_user_id: '1001', ...fields });

  it('leaves the columns the migrations shape lacks undefined, so defaults or stored values hold', () => {
    const { value } = ok(mapStreamer(row({ api_mode: null }), migrationsShape));
    expect('api_mode' in value.input).toBe(false);
    expect('client_twitch_client_secret' in value.input).toBe(false);
    expect(value.inactiveReason).toBeNull();
  });

  it('lower-cases a known api_mode and passes the plaintext secret on (the service encrypts it)', () => {
    const { value } = ok(
      mapStreamer(
        row({
          api_mode: 'CLIENT',
          client_twitch_client_id: 'cid',
          client_twitch_client_secret: 's3',
        }),
        everyColumn,
      ),
    );
    expect(value.input).toMatchObject({
      api_mode: 'client',
      client_twitch_client_id: 'cid',
      client_twitch_client_secret: 's3',
    });
  });

  it('imports a streamer with an unknown api_mode inactive, on the default mode, with the reason', () => {
    const mapped = ok(mapStreamer(row({ api_mode: 'Turbo', is_active: true }), everyColumn));
    expect(mapped.value.input.is_active).toBe(false);
    expect(mapped.value.input.api_mode).toBeUndefined();
    expect(mapped.value.inactiveReason).toBe('unknown api_mode "Turbo" in the old database');
  });

  it('imports client mode without credentials inactive, and drops half a credential pair', () => {
    const client = ok(mapStreamer(row({ api_mode: 'client' }), everyColumn));
    expect(client.value.inactiveReason).toContain('without client credentials');
    const half = ok(mapStreamer(row({ client_twitch_client_id: 'cid' }), everyColumn));
    expect(half.value.input.client_twitch_client_id).toBeNull();
    expect(half.notes).toEqual(['client_twitch_client_id without its secret is unusable: dropped']);
  });

  it('clamps 0 and negative settings into the API ranges', () => {
    const { value, notes } = ok(
      mapStreamer(row({ monitor_interval_seconds: 0, monitor_min_clips: -1 }), everyColumn),
    );
    expect(value.input).toMatchObject({ monitor_interval_seconds: 10, monitor_min_clips: 1 });
    expect(notes).toHaveLength(2);
  });

  it('rejects an id that is no Twitch id', () => {
    expect(mapStreamer(row({ twitch_user_id: 'a b' }), everyColumn).ok).toBe(false);
  });
});

describe('mapClip', () => {
  it('rejects a clip without created_at and stores a negative view count as 0', () => {
    expect(mapClip({ id: 1, clip_id: 'c', created_at: null })).toEqual({
      ok: false,
      reasons: ['no created_at (the burst rule orders clips by it)'],
    });
    const mapped = ok(mapClip({ id: 2, clip_id: 'c', created_at: new Date(0), viewer_count: -4 }));
    expect(mapped.value.viewerCount).toBe(0);
    expect(mapped.notes).toEqual(['viewer_count -4 is not a view count: stored as 0']);
  });
});

describe('mapChannelConfig', () => {
  it('normalises the modes as PUT /config/me does and defaults unknown ones with a note', () => {
    const known = ok(
      mapChannelConfig({
        id: 1,
        user_id: 3,
        monitor_mode: 'rapido',
        partner_mode: 'Somente_Chefe',
      }),
    );
    expect(known.value).toMatchObject({ monitorMode: 'RAPIDO', partnerMode: 'somente_chefe' });
    const unknown = ok(
      mapChannelConfig({ id: 1, user_id: 3, monitor_mode: 'x', partner_mode: 'y' }),
    );
    expect(unknown.value).toMatchObject({ monitorMode: 'AUTOMATICO', partnerMode: 'somente_bot' });
    expect(unknown.notes).toHaveLength(2);
  });

  it('clamps the manual settings and slots into §12 ranges', () => {
    const { value } = ok(
      mapChannelConfig({
        id: 1,
        user_id: 3,
        manual_min_clips: 50,
        manual_interval_seconds: 1,
        manual_min_clips_vod: 0,
        slots_configured: 0,
      }),
    );
    expect(value).toMatchObject({
      manualMinClips: 20,
      manualIntervalSeconds: 30,
      manualMinClipsVod: 1,
      slotsConfigured: 1,
    });
  });
});

describe('mapDelivery', () => {
  const clips = new Map([[7, 'clip-seven']]);
  const base = { id: 9, user_id: 1, streamer_id: 2 };

  it('names the clip by clip_external_id, or else through the old clip row', () => {
    const byRow = ok(
      mapDelivery({ ...base, clip_id: 7, clip_external_id: null }, (id) => clips.get(id)),
    );
    expect(byRow.value.clipExternalId).toBe('clip-seven');
    expect(mapDelivery({ ...base, clip_id: 8 }, (id) => clips.get(id))).toEqual({
      ok: false,
      reasons: ['no clip_external_id and no clip it names'],
    });
  });

  it('keeps a JSON object payload and drops anything else with a note', () => {
    const good = ok(
      mapDelivery({ ...base, clip_external_id: 'c', extra_payload: '{"a":1}' }, () => undefined),
    );
    expect(good.value.extraPayload).toBe('{"a":1}');
    const list = ok(
      mapDelivery({ ...base, clip_external_id: 'c', extra_payload: '[1]' }, () => undefined),
    );
    expect(list.value.extraPayload).toBeNull();
    expect(list.notes).toEqual(['extra_payload is not a JSON object: dropped']);
  });
});

describe('mapPurchase', () => {
  it('needs a sale_id and lower-cases the e-mail', () => {
    expect(mapPurchase({ id: 1, sale_id: null }).ok).toBe(false);
    expect(ok(mapPurchase({ id: 1, sale_id: 'S', email: 'A@B.c' })).value.email).toBe('a@b.c');
  });
});
