import { ANSWER_TABLE, AnswerAction, AttemptResult, classifyAnswer } from './twitch-answers';

const network: AttemptResult = { kind: 'network' };
const answer = (status: number, bodyUsable = false): AttemptResult => ({
  kind: 'answer',
  status,
  bodyUsable,
});

/** One line per row of the table in twitch-answers.ts, with the statuses that fall in it. */
// prettier-ignore
const ROWS: { row: string; results: AttemptResult[]; helix: AnswerAction; token: AnswerAction }[] = [
  { row: 'network error or timeout', results: [network], helix: 'retry', token: 'retry' },
  { row: '2xx, body as expected', results: [answer(200, true), answer(204, true)], helix: 'ok', token: 'ok' },
  { row: '2xx, body malformed', results: [answer(200), answer(299)], helix: 'retry', token: 'retry' },
  { row: '401', results: [answer(401), answer(401, true)], helix: 'renew-token', token: 'credentials-rejected' },
  { row: '400, 403', results: [answer(400), answer(403)], helix: 'give-up', token: 'credentials-rejected' },
  { row: '429', results: [answer(429)], helix: 'wait-reset', token: 'retry' },
  { row: '5xx', results: [answer(500), answer(502), answer(503), answer(599)], helix: 'retry', token: 'retry' },
  { row: 'any other status', results: [answer(404), answer(409), answer(422), answer(301), answer(100)], helix: 'give-up', token: 'give-up' },
];

describe('the Twitch answer table', () => {
  it.each(ROWS)('$row → Helix $helix, token $token', ({ row, results, helix, token }) => {
    for (const result of results) {
      expect(classifyAnswer('helix', result)).toBe(helix);
      expect(classifyAnswer('token', result)).toBe(token);
      // The row that decided is the one named: no earlier row shadows it.
      expect(ANSWER_TABLE.find((candidate) => candidate.matches(result))?.answer).toBe(row);
    }
  });

  it('has exactly the rows tested here, in this order', () => {
    expect(ANSWER_TABLE.map((row) => row.answer)).toEqual(ROWS.map((row) => row.row));
  });

  it('never retries a client error other than 429, nor gives up on a server error', () => {
    for (let status = 400; status < 600; status++) {
      const helix = classifyAnswer('helix', answer(status));
      if (status >= 500) expect(helix).toBe('retry');
      else if (status === 429) expect(helix).toBe('wait-reset');
      else expect(['give-up', 'renew-token']).toContain(helix);
    }
  });
});
