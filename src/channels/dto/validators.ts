import { ValidateBy, ValidationArguments } from 'class-validator';

/** One rule per field with one message, as the streams DTO does (see create-streamer.dto.ts). */
export function Satisfies(name: string, test: (value: unknown) => boolean, requirement: string) {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => test(value),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} must be ${requirement}`,
    },
  });
}

export function IntInRange(range: { min: number; max: number }) {
  return Satisfies(
    'intInRange',
    (value) =>
      Number.isInteger(value) && (value as number) >= range.min && (value as number) <= range.max,
    `an integer from ${range.min} to ${range.max}`,
  );
}

/** A string of at most `max` characters (empty allowed unless `nonBlank`). */
export function TextUpTo(max: number, nonBlank = false) {
  return Satisfies(
    'textUpTo',
    (value) =>
      typeof value === 'string' && value.length <= max && (!nonBlank || value.trim().length > 0),
    nonBlank
      ? `a non-blank string of up to ${max} characters`
      : `a string of up to ${max} characters`,
  );
}
