/**
 * A rough lower estimate of a secret's entropy, in bits, to refuse secrets an attacker could guess
 * (production's JWT secret). Not a password meter: it catches the ways a long secret can still be
 * weak — one character repeated, a word repeated, a run such as `abcdef…` or `0123…` — and lets
 * random strings (`openssl rand -hex 32` ≈ 240 bits, `-base64 32` ≈ 210 bits) through.
 *
 * The estimate is the length of the secret's shortest repeating unit times the smaller of two
 * Shannon entropies per character: of its characters, and of the differences between neighbours
 * (which is what makes a run count as nothing).
 */
export const MIN_SECRET_BITS = 128;

export function estimateSecretBits(secret: string): number {
  const chars = [...secret];
  const unit = chars.slice(0, shortestPeriod(chars));
  if (unit.length < 2) return 0;
  const codes = unit.map((char) => char.codePointAt(0)!);
  const deltas = codes.slice(1).map((code, index) => code - codes[index]);
  const perChar = Math.min(shannon(codes), shannon(deltas));
  return perChar * unit.length;
}

/** The smallest p such that the string is its first p characters repeated (last copy partial). */
function shortestPeriod(chars: string[]): number {
  for (let period = 1; period <= chars.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < chars.length && repeats; i++) repeats = chars[i] === chars[i - period];
    if (repeats) return period;
  }
  return chars.length;
}

function shannon(values: number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / values.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
