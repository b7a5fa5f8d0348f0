import { DomainError } from './errors/domain.error';

/** Deeper JSON than any of our bodies needs; a validator walking it could exhaust the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * What is wrong with a parsed JSON body that the parser accepted, or undefined: nesting deeper
 * than MAX_JSON_DEPTH, or a NUL character in a string or key (PostgreSQL refuses NUL in text, so
 * it would otherwise fail as a 500 deep inside a query). Walked with an explicit stack.
 */
export function jsonInputProblem(value: unknown): DomainError | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return nulByte();
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      return new DomainError(
        'invalid',
        'json_too_deep',
        `JSON must not be nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    const entries = Array.isArray(current) ? current : Object.entries(current);
    for (const entry of entries) {
      if (Array.isArray(current)) {
        stack.push({ value: entry, depth: depth + 1 });
      } else {
        const [key, child] = entry as [string, unknown];
        if (key.includes('\u0000')) return nulByte();
        stack.push({ value: child, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function nulByte(): DomainError {
  return new DomainError('invalid', 'nul_byte', 'Text must not contain NUL (\\u0000) characters');
}
