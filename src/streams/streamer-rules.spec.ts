import { credentialProblems } from './streamer-rules';

describe('credentialProblems', () => {
  it('needs both credentials for api_mode client, naming each missing one', () => {
    expect(credentialProblems({ api_mode: 'client' }).map((p) => p.field)).toEqual([
      'client_twitch_client_id',
      'client_twitch_client_secret',
    ]);
    expect(
      credentialProblems({ api_mode: 'client', client_twitch_client_secret: 's' }).map(
        (p) => p.field,
      ),
    ).toEqual(['client_twitch_client_id']);
    expect(
      credentialProblems({
        api_mode: 'client',
        client_twitch_client_id: 'i',
        client_twitch_client_secret: 's',
      }),
    ).toEqual([]);
  });

  it('needs the id and the secret together in every mode', () => {
    for (const api_mode of [undefined, null, 'clipador_only', 'clipador_trial'] as const) {
      expect(credentialProblems({ api_mode, client_twitch_client_id: 'i' })).toEqual([
        {
          field: 'client_twitch_client_secret',
          message: 'client_twitch_client_secret is required together with client_twitch_client_id',
        },
      ]);
      expect(
        credentialProblems({ api_mode, client_twitch_client_secret: 's' }).map((p) => p.field),
      ).toEqual(['client_twitch_client_id']);
      expect(credentialProblems({ api_mode })).toEqual([]);
    }
  });
});
