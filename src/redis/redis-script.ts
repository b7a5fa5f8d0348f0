import type Redis from 'ioredis';

/** A Lua script with a fixed number of keys, registered per client under `name`. */
export interface ScriptDefinition {
  /** The command name ioredis adds to the client; prefixed so it never shadows a Redis command. */
  name: string;
  numberOfKeys: number;
  lua: string;
}

export type ScriptCall = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/**
 * Registers `script` on `redis` with ioredis' `defineCommand` and returns a caller. ioredis sends
 * the script's SHA1 (EVALSHA), so each call carries 40 characters instead of the whole text (the
 * ingestion hot path runs several per streamer), and on a connection where Redis does not know
 * the script (first use, a restart, SCRIPT FLUSH) it sends the text once with EVAL.
 */
export function defineScript(redis: Redis, script: ScriptDefinition): ScriptCall {
  const { name, numberOfKeys, lua } = script;
  redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
    name
  ];
  return (keys, args) => {
    if (keys.length !== numberOfKeys) {
      throw new Error(`${name} takes ${numberOfKeys} keys, got ${keys.length}`);
    }
    return command.call(redis, ...keys, ...args);
  };
}

/** `defineScript` for each entry: one caller per script, under the same keys. */
export function defineScripts<K extends string>(
  redis: Redis,
  scripts: Record<K, ScriptDefinition>,
): Record<K, ScriptCall> {
  const calls = {} as Record<K, ScriptCall>;
  for (const key of Object.keys(scripts) as K[]) calls[key] = defineScript(redis, scripts[key]);
  return calls;
}
