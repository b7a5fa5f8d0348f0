import { DomainError } from '../common/errors/domain.error';

/** Every error code the billing webhook answers with (PRODUCT §15), in one place. */
export const BILLING_ERROR_CODES = {
  invalidToken: 'invalid_token',
  emailMissing: 'email_missing',
  invalidEmail: 'invalid_email',
  saleIdMissing: 'sale_id_missing',
  saleIdTooLong: 'sale_id_too_long',
} as const;

export class BillingError extends DomainError {
  static invalidToken(): BillingError {
    return new BillingError('forbidden', BILLING_ERROR_CODES.invalidToken, 'Invalid token');
  }

  static emailMissing(): BillingError {
    return new BillingError('invalid', BILLING_ERROR_CODES.emailMissing, 'Email missing');
  }

  static invalidEmail(): BillingError {
    return new BillingError(
      'invalid',
      BILLING_ERROR_CODES.invalidEmail,
      'customer.email is not an e-mail address of at most 255 characters',
    );
  }

  static saleIdMissing(): BillingError {
    return new BillingError('invalid', BILLING_ERROR_CODES.saleIdMissing, 'sale_id missing');
  }

  static saleIdTooLong(): BillingError {
    return new BillingError(
      'invalid',
      BILLING_ERROR_CODES.saleIdTooLong,
      'sale_id must have at most 128 characters',
    );
  }
}
