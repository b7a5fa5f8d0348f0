import { parseCsv } from './csv-parser';
import { collectRows, SeedFileError } from './seed-file';
import { CLIP_ROWS, STREAMER_ROWS } from './seed-rows';

const collectClips = (text: string) => collectRows(parseCsv(text), CLIP_ROWS);

describe('collectRows', () => {
  it('finds columns by name in any order, ignoring case, spaces and extra columns', async () => {
    const content = await collectClips(
      'id, Created_At ,CLIP_ID,streamer_twitch_user_id,unused\n' +
        '7,2024-05-01T11:50:00Z,AceClutch,1001,whatever\n',
    );
    expect(content.rejected).toEqual([]);
    expect(content.rows).toEqual([
      {
        line: 2,
        value: expect.objectContaining({
          clipId: 'AceClutch',
          streamerTwitchUserId: '1001',
          createdAt: new Date('2024-05-01T11:50:00Z'),
        }),
      },
    ]);
  });

  it('reports each bad row with its physical line and keeps the good ones', async () => {
    const content = await collectClips(
      [
        'clip_id,streamer_twitch_user_id,created_at,viewer_count,title',
        'a,1001,2024-05-01T11:50:00Z,1,"two',
        'lines"',
        ',1001,2024-05-01T11:50:00Z,1,no id',
        'b,1001,2024-05-01T11:51:00Z,1,ok',
        'c,1001,2024-05-01T11:52:00Z,1',
        'a,1001,2024-05-01T11:53:00Z,9,again',
        '',
        'd,1001,2024-05-01T11:54:00Z,1,"open',
      ].join('\r\n'),
    );
    expect(content.rows.map((row) => [row.line, row.value.clipId])).toEqual([
      [2, 'a'],
      [5, 'b'],
    ]);
    expect(content.rejected).toEqual([
      { line: 4, reason: 'missing clip_id' },
      { line: 6, reason: 'expected 5 fields (as in the header), found 4' },
      { line: 7, reason: 'duplicate clip_id "a" (first on line 2)' },
      { line: 9, reason: expect.stringMatching(/^unterminated quoted field/) },
    ]);
  });

  it('rejects a repeated twitch_user_id in a streamers file', async () => {
    const content = await collectRows(
      parseCsv('twitch_user_id,display_name\n1001,A\n1002,B\n1001,C\n'),
      STREAMER_ROWS,
    );
    expect(content.rows.map((row) => row.value.display_name)).toEqual(['A', 'B']);
    expect(content.rejected).toEqual([
      { line: 4, reason: 'duplicate twitch_user_id "1001" (first on line 2)' },
    ]);
  });

  it('refuses the whole file when a required column is missing', async () => {
    await expect(collectClips('clip_id,created_at\nc,2024-05-01T11:50:00Z\n')).rejects.toThrow(
      new SeedFileError(
        'line 1: the header has no streamer_twitch_user_id column' +
          ' (a clips file needs clip_id, streamer_twitch_user_id, created_at)',
      ),
    );
  });

  it('refuses an empty file, which has no header', async () => {
    await expect(collectClips('\n\n')).rejects.toThrow(/the file is empty/);
  });

  it('refuses a header that names a column twice, and a malformed header', async () => {
    await expect(
      collectClips('clip_id,streamer_twitch_user_id,created_at,Clip_Id\n'),
    ).rejects.toThrow('line 1: column clip_id appears twice in the header');
    await expect(collectClips('clip_id,"streamer_twitch_user_id\n')).rejects.toThrow(
      /line 1: header row: unterminated/,
    );
  });

  it('ignores unnamed columns, such as those of trailing commas', async () => {
    const content = await collectClips(
      'clip_id,streamer_twitch_user_id,created_at,,\nc,1,2024-05-01T11:50:00Z,,\n',
    );
    expect(content.rows).toHaveLength(1);
  });
});
