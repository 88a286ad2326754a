import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { normalizeEmail, normalizePhone } from '../normalize-contact';

/**
 * Contact fields typed by staff are checked with the same helpers that store them (and that
 * rectification through `PATCH /citizens/{id}` applies), so what passes here is what gets kept:
 * an address the notifier can write to, a phone that becomes E.164 (+52 for a national number).
 */
export function IsContactEmail(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isContactEmail',
      validator: {
        validate: (value) => typeof value === 'string' && normalizeEmail(value) !== null,
        defaultMessage: buildMessage((each) => `${each}$property must be an email address such as nombre@dominio.mx`, options),
      },
    },
    options,
  );
}

export function IsContactPhone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isContactPhone',
      validator: {
        validate: (value) => typeof value === 'string' && normalizePhone(value) !== null,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a phone number: 10 digits (e.g. 444 123 4567, taken as Mexico +52) or international with + and the country code`,
          options,
        ),
      },
    },
    options,
  );
}

/** A blank contact field in a form means "not given". */
export const blankToUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
