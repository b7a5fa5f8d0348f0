import type Redis from 'ioredis';
import { defineScript, ScriptCall, ScriptDefinition } from '../redis/redis-script';
import { BudgetSettings, RateBudgetStore, ReserveOutcome } from './rate-budget';
import { RateLimitReport } from './rate-limit-headers';

/**
 * The rate budget shared by every worker process: the same state and rules as
 * `reserveInState` / `settleInState` in rate-budget.ts, run as Lua so that each reserve and each
 * settle is one atomic step in Redis whichever process calls it.
 *
 * Per client id, two keys with one hash tag (so they land in one Redis Cluster slot):
 *   <prefix>budget:{<clientId>}           hash: estimate, resetAt, completions, probe, limit,
 *                                         reportAt, reportRemaining
 *   <prefix>budget:{<clientId>}:inflight  sorted set: ticket id → epoch ms it expires at
 * Both expire after an hour unused; a lost state only means the next request probes again.
 *
 * Times are each caller's clock (Date.now()); they are compared with Twitch's Ratelimit-Reset,
 * which is Twitch's clock, so NTP-synchronised hosts are assumed, as for any use of that header.
 */

const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local probe = redis.call('HGET', KEYS[1], 'probe')
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('HINCRBY', KEYS[1], 'completions', #expired)
  for _, ticket in ipairs(expired) do
    if ticket == probe then
      redis.call('HDEL', KEYS[1], 'probe')
      probe = false
    end
  end
end
local state = redis.call('HMGET', KEYS[1],
  'estimate', 'resetAt', 'completions', 'limit', 'reportAt', 'reportRemaining')
local estimate = tonumber(state[1]) or 0
local resetAt = tonumber(state[2]) or 0
local completions = tonumber(state[3]) or 0
local margin = tonumber(ARGV[3])
-- probeReadyAt: where the newest report's refill line reaches margin + 1, else the reset.
local readyAt = resetAt
local missing = (tonumber(state[4]) or 0) - (tonumber(state[6]) or 0)
local reportAt = tonumber(state[5]) or 0
local span = resetAt - reportAt
local need = margin + 1 - estimate
if missing > 0 and span > 0 and need < missing then
  readyAt = math.min(resetAt, reportAt + math.ceil((need * span) / missing))
end
local isProbe = 0
if estimate - margin >= 1 then
  isProbe = 0
elseif not probe and now >= readyAt then
  isProbe = 1
else
  local wait = tonumber(ARGV[5])
  if not probe and readyAt > now then wait = readyAt - now end
  return {0, '', wait, resetAt}
end
local ticket = string.format('%d:%s', completions, ARGV[2])
redis.call('HSET', KEYS[1], 'estimate', string.format('%d', estimate - 1))
if isProbe == 1 then redis.call('HSET', KEYS[1], 'probe', ticket) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ticket)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {1, ticket, isProbe, resetAt}
`;

const SETTLE_SCRIPT = `
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'estimate', 'resetAt', 'completions', 'probe')
local estimate = tonumber(state[1]) or 0
local resetAt = tonumber(state[2]) or 0
local completions = tonumber(state[3]) or 0
local reservedAt = tonumber(string.match(ARGV[1], '^(%d+):')) or completions
local completedSince = completions - reservedAt
if removed == 1 then redis.call('HINCRBY', KEYS[1], 'completions', 1) end
if state[4] == ARGV[1] then redis.call('HDEL', KEYS[1], 'probe') end
if ARGV[2] == '1' then
  local rejected = ARGV[6] == '1'
  local remaining = tonumber(ARGV[4])
  if rejected then remaining = 0 end
  local reportReset = tonumber(ARGV[5])
  local lowerBound = remaining - redis.call('ZCARD', KEYS[2]) - completedSince
  local nextEstimate = math.max(estimate, lowerBound)
  if rejected or reportReset >= resetAt then
    nextEstimate = math.min(nextEstimate, remaining)
    local reportAt = ARGV[8]
    if rejected then reportAt = string.format('%d', math.max(resetAt, reportReset)) end
    redis.call('HSET', KEYS[1], 'reportAt', reportAt, 'reportRemaining', string.format('%d', remaining))
  end
  redis.call('HSET', KEYS[1],
    'estimate', string.format('%d', nextEstimate),
    'resetAt', string.format('%d', math.max(resetAt, reportReset)),
    'limit', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return 1
`;

const KEY_TTL_MS = 60 * 60 * 1000;

export const RESERVE: ScriptDefinition = {
  name: 'clipadorBudgetReserve',
  numberOfKeys: 2,
  lua: RESERVE_SCRIPT,
};
export const SETTLE: ScriptDefinition = {
  name: 'clipadorBudgetSettle',
  numberOfKeys: 2,
  lua: SETTLE_SCRIPT,
};

export class RedisRateBudgetStore implements RateBudgetStore {
  private readonly reserveScript: ScriptCall;
  private readonly settleScript: ScriptCall;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.reserveScript = defineScript(redis, RESERVE);
    this.settleScript = defineScript(redis, SETTLE);
  }

  keysFor(clientId: string): [string, string] {
    const base = `${this.keyPrefix}budget:{${clientId}}`;
    return [base, `${base}:inflight`];
  }

  async reserve(
    clientId: string,
    now: number,
    nonce: string,
    settings: BudgetSettings,
  ): Promise<ReserveOutcome> {
    const reply = await this.reserveScript(this.keysFor(clientId), [
      now,
      nonce,
      settings.margin,
      settings.holdMs,
      settings.pollMs,
      Math.max(KEY_TTL_MS, settings.holdMs * 2),
    ]);
    if (!Array.isArray(reply) || reply.length !== 4) {
      throw new Error('Unexpected reply from the rate budget reserve script');
    }
    const [granted, ticketId, third, resetAt] = reply as [number, string, number, number];
    if (granted === 1) return { granted: true, ticketId, probe: third === 1 };
    return { granted: false, retryInMs: Math.max(1, third), resetAt };
  }

  async settle(
    clientId: string,
    now: number,
    ticketId: string,
    report: RateLimitReport | undefined,
    settings: BudgetSettings,
  ): Promise<void> {
    await this.settleScript(this.keysFor(clientId), [
      ticketId,
      report ? '1' : '0',
      report?.limit ?? 0,
      report?.remaining ?? 0,
      report?.resetAt ?? 0,
      report?.rejected ? '1' : '0',
      Math.max(KEY_TTL_MS, settings.holdMs * 2),
      Math.floor(now),
    ]);
  }
}
