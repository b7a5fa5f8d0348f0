/**
 * How the Twitch client treats each answer, for its two endpoints. One table, read top to bottom,
 * first match wins; the client's one retry loop (`TwitchClient.exchange`) does what it says:
 *
 * | answer                     | Helix GET (clips, users, streams)       | POST /token (client credentials) |
 * |----------------------------|-----------------------------------------|----------------------------------|
 * | network error or timeout   | retry with backoff                      | retry with backoff               |
 * | 2xx, body as expected      | ok                                      | ok                               |
 * | 2xx, body malformed        | retry with backoff                      | retry with backoff               |
 * | 401                        | renew the token once, then credentials  | credentials rejected             |
 * | 400, 403                   | give up (request error)                 | credentials rejected             |
 * | 429                        | wait for Ratelimit-Reset                | retry with backoff               |
 * | 5xx                        | retry with backoff                      | retry with backoff               |
 * | any other status           | give up (request error)                 | give up (request error)          |
 *
 * The bounds are the loop's: `maxRetries` backoffs per request (TwitchUnavailableError after),
 * one token renewal (TwitchCredentialsError after), ten 429s (TwitchRateLimitedError after), and
 * the rate waits of one request together within `maxRateWaitMs`.
 *
 * Why the two columns differ: on Helix a 401 means our cached app token went stale (revoked,
 * expired early), which a fresh one cures; on the token endpoint 400/401/403 mean the client id
 * or secret itself is refused, which no retry cures. The token endpoint sends no Ratelimit-*
 * headers, so its 429 has nothing to wait for but backoff.
 */

export type Endpoint = 'helix' | 'token';

export type AnswerAction =
  /** Hand the parsed body to the caller. */
  | 'ok'
  /** Back off (exponential, equal jitter) and send again. */
  | 'retry'
  /** Drop the cached token, take a new one and send again — once per request. */
  | 'renew-token'
  /** The budget holds the next attempt until Ratelimit-Reset (backoff when the answer had no headers). */
  | 'wait-reset'
  /** TwitchCredentialsError: these credentials are refused. */
  | 'credentials-rejected'
  /** TwitchRequestError: the request itself is wrong; sending it again changes nothing. */
  | 'give-up';

/** What came back from one attempt, as the table needs it. */
export type AttemptResult =
  { kind: 'network' } | { kind: 'answer'; status: number; bodyUsable: boolean };

interface Row {
  answer: string;
  matches(result: AttemptResult): boolean;
  helix: AnswerAction;
  token: AnswerAction;
}

const status = (result: AttemptResult) => (result.kind === 'answer' ? result.status : 0);
const isSuccess = (result: AttemptResult) => status(result) >= 200 && status(result) < 300;

export const ANSWER_TABLE: readonly Row[] = [
  {
    answer: 'network error or timeout',
    matches: (result) => result.kind === 'network',
    helix: 'retry',
    token: 'retry',
  },
  {
    answer: '2xx, body as expected',
    matches: (result) => isSuccess(result) && result.kind === 'answer' && result.bodyUsable,
    helix: 'ok',
    token: 'ok',
  },
  {
    answer: '2xx, body malformed',
    matches: isSuccess,
    helix: 'retry',
    token: 'retry',
  },
  {
    answer: '401',
    matches: (result) => status(result) === 401,
    helix: 'renew-token',
    token: 'credentials-rejected',
  },
  {
    answer: '400, 403',
    matches: (result) => status(result) === 400 || status(result) === 403,
    helix: 'give-up',
    token: 'credentials-rejected',
  },
  {
    answer: '429',
    matches: (result) => status(result) === 429,
    helix: 'wait-reset',
    token: 'retry',
  },
  {
    answer: '5xx',
    matches: (result) => status(result) >= 500,
    helix: 'retry',
    token: 'retry',
  },
  {
    answer: 'any other status',
    matches: () => true,
    helix: 'give-up',
    token: 'give-up',
  },
];

export function classifyAnswer(endpoint: Endpoint, result: AttemptResult): AnswerAction {
  const row = ANSWER_TABLE.find((candidate) => candidate.matches(result))!;
  return row[endpoint];
}
