import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldProblem, ValidationFailedError } from './errors/domain.error';

/**
 * Validation for every DTO: unknown fields are rejected, and every offending field is named in
 * the 400 answer. Bodies are not type-coerced (a "5" is not a 5); query DTOs convert explicitly.
 */
export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}

/**
 * A body that is not a JSON object where a DTO is expected is answered "object is expected".
 * Nest's pipe says so for some scalars only: it validates an array's items as if they were the
 * DTO's fields ("0: is not an accepted field") and a text/plain body as an empty object (naming
 * the missing fields), neither of which tells the caller what is wrong. No body (or JSON null)
 * stays an empty DTO.
 */
class BodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const notAnObject =
      Array.isArray(value) || (value !== null && value !== undefined && typeof value !== 'object');
    if (metadata.type === 'body' && notAnObject && this.toValidate(metadata)) {
      throw new ValidationFailedError([
        { field: 'body', message: 'Validation failed (object is expected)' },
      ]);
    }
    return super.transform(value, metadata);
  }
}

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith(`property ${error.property} should not exist`)
        ? 'is not an accepted field'
        : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
