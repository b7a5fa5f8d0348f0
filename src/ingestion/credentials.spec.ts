import { chooseCredentials, StreamerCredentialInputs } from './credentials';

const clipador = { clientId: 'clipador-id', clientSecret: 'clipador-secret' };
const own = { clientId: 'own-id', clientSecret: 'own-secret' };
const now = new Date('2026-11-30T12:00:00Z');

function streamer(overrides: Partial<StreamerCredentialInputs>): StreamerCredentialInputs {
  return { apiMode: 'clipador_only', trialExpiresAt: null, own: undefined, ...overrides };
}

describe('chooseCredentials', () => {
  it("uses Clipador's credentials for clipador_only, even when the streamer has its own", () => {
    expect(chooseCredentials(streamer({ own }), clipador, now)).toEqual({
      kind: 'use',
      source: 'clipador',
      credentials: clipador,
    });
  });

  it('skips a clipador_only streamer with a reason when Clipador has no credentials', () => {
    const choice = chooseCredentials(streamer({}), undefined, now);
    expect(choice).toEqual({ kind: 'skip', reason: expect.stringMatching(/not configured/) });
  });

  it("uses Clipador's credentials during a trial and when the trial never expires", () => {
    const running = streamer({
      apiMode: 'clipador_trial',
      trialExpiresAt: new Date('2026-12-01T00:00:00Z'),
      own,
    });
    expect(chooseCredentials(running, clipador, now)).toMatchObject({ source: 'clipador' });
    const endless = streamer({ apiMode: 'clipador_trial', own });
    expect(chooseCredentials(endless, clipador, now)).toMatchObject({ source: 'clipador' });
  });

  it("switches to the streamer's own credentials once the trial has passed", () => {
    const expired = streamer({
      apiMode: 'clipador_trial',
      trialExpiresAt: new Date('2026-11-30T11:59:59Z'),
      own,
    });
    expect(chooseCredentials(expired, clipador, now)).toEqual({
      kind: 'use',
      source: 'client',
      credentials: own,
    });
  });

  it('skips an expired trial without own credentials, saying why', () => {
    const expired = streamer({
      apiMode: 'clipador_trial',
      trialExpiresAt: new Date('2026-11-29T00:00:00Z'),
    });
    const choice = chooseCredentials(expired, clipador, now);
    expect(choice.kind).toBe('skip');
    expect(choice.kind === 'skip' && choice.reason).toMatch(/Trial expired.*no client credentials/);
  });

  it("always uses the streamer's own credentials in client mode", () => {
    expect(chooseCredentials(streamer({ apiMode: 'client', own }), clipador, now)).toMatchObject({
      source: 'client',
      credentials: own,
    });
    expect(chooseCredentials(streamer({ apiMode: 'client' }), clipador, now).kind).toBe('skip');
  });
});
