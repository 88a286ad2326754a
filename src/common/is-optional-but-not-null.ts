import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * May be left out, but not sent as `null`: unlike `@IsOptional()`, which skips the field's other
 * validators for `null` too, a `null` here is validated — and refused — like any other value.
 * For fields a request may omit but never clear (a subject, a priority, a name).
 */
export function IsOptionalButNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}
