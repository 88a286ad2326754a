/** Contact normalisation so the same person writing twice is recognised as one citizen. */

export function normalizeEmail(value: string): string | null {
  const v = value.trim().toLowerCase();
  return /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/.test(v) && v.length <= 254 ? v : null;
}

/**
 * Normalises a phone number to E.164, assuming Mexico (+52) for national numbers.
 * Accepts "444 123 4567", "(444) 123-4567", "+52 1 444 123 4567" (old mobile prefix), "0052…".
 */
export function normalizePhone(value: string): string | null {
  let digits = value.replace(/[\s().\-/]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (!/^\+?\d+$/.test(digits)) return null;
  if (digits.startsWith('+')) {
    let rest = digits.slice(1);
    if (rest.startsWith('521') && rest.length === 13) rest = `52${rest.slice(3)}`; // +52 1 XXXXXXXXXX
    if (rest.length < 8 || rest.length > 15) return null;
    return `+${rest}`;
  }
  if (digits.length === 10) return `+52${digits}`;
  if (digits.length === 12 && digits.startsWith('52')) return `+${digits}`;
  if (digits.length === 13 && digits.startsWith('521')) return `+52${digits.slice(3)}`;
  return null;
}

/**
 * A search box's text read as a phone number, when it is one: only the characters a typed number is
 * made of ("444 123 4567", "(444) 123-4567", "+52 444 123 4567"), at least seven, normalised to E.164.
 */
export function phoneTyped(value: string): string | null {
  return /^[\d\s()+.\-/]{7,}$/.test(value) ? normalizePhone(value) : null;
}
