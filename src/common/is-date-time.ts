import { buildMessage, isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A real calendar date or date-time in ISO 8601's extended form, one JavaScript and PostgreSQL
 * both read: `2026-11-26`, `2026-11-26T10:30`, `2026-11-26T10:30:00-06:00`. `@IsDateString()`
 * alone also lets through week dates (`2026-W48`), ordinal dates (`2026-330`) and basic forms
 * (`20261126`), which `new Date()` cannot read — they used to reach the database as "Invalid Date".
 */
export function isDateTime(value: unknown): boolean {
  return typeof value === 'string' && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value));
}

export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateTime',
      validator: {
        validate: (value) => isDateTime(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDTHH:MM[:SS][Z or ±HH:MM])`, options),
      },
    },
    options,
  );
}
