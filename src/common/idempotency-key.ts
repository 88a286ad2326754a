import { DomainError } from './domain-error';

/** An `Idempotency-Key` header, when sent, is 8–128 characters of letters, digits, `.`, `:`, `_`, `-` (400 otherwise). */
export function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !/^[\w.:-]{8,128}$/.test(key)) {
    throw new DomainError('VALIDATION', 'Invalid Idempotency-Key', [{ field: 'Idempotency-Key', errors: ['8–128 characters: letters, digits, . : _ -'] }]);
  }
}
