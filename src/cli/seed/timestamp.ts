/**
 * ISO 8601 date-times as the old service's exports wrote them: `T` or a space between date and
 * time (Python's `str(datetime)` uses a space), optional seconds and fraction, and an optional
 * zone (`Z`, `±hh`, `±hhmm`, `±hh:mm`).
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads a date-time, or returns undefined when the text is not one or names an impossible moment
 * (month 13, 30 February, hour 24). A value WITHOUT a zone is read as UTC: the old Python service
 * stored naive UTC date-times and its CSV exports wrote them as they were, so UTC is what they
 * mean; reading them in the server's local zone would shift every clip by its offset.
 * Fractions finer than a millisecond are dropped (a JavaScript Date holds milliseconds).
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction = '0', zone] = match;
  const parts = [year, month, day, hour, minute, second].map(Number);
  const [y, mo, d, h, mi, s] = parts;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (!isSameCalendarTime(new Date(local), parts)) return undefined;
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  return new Date(local - offset * 60_000);
}

/** Date.UTC rolls overflowing fields over (31 April → 1 May); a real date-time survives the trip. */
function isSameCalendarTime(date: Date, [y, mo, d, h, mi, s]: number[]): boolean {
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

/** Minutes east of UTC; no zone is UTC (see parseTimestamp). Undefined for an impossible zone. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
