/**
 * `@Transform(trim)`: a string field without its surrounding whitespace (String.prototype.trim: spaces,
 * tabs, line breaks, no-break and ideographic spaces), so @MinLength/@IsNotEmpty measure what is
 * stored. Anything else passes unchanged, for @IsString to refuse.
 */
export const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
