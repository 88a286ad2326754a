import { Matches } from 'class-validator';

/**
 * A one-line text (a subject, a name, an address): no line breaks or other control characters (nor
 * the Unicode line/paragraph separators). These end up in mail subjects, greetings, CSV cells and
 * list rows, where a line break splits what follows (nodemailer folds headers, so no header is
 * injected, but a greeting "Estimada Rosa\nBcc: …" still breaks).
 */
export function IsSingleLine(options: { each?: boolean } = {}): PropertyDecorator {
  return Matches(/^[^\p{Cc}\u2028\u2029]*$/u, { ...options, message: '$property must be one line, without line breaks or control characters' });
}
