/**
 * Folio: `<PREFIX>-<YYYY>-<NNNNNN>` (SPEC §2). Pure functions, no framework.
 * The counter itself lives in the database (one sequence per prefix and year, see
 * folioSequenceName) so it is safe across instances and never repeats.
 */
export const FOLIO_PATTERN = /^([A-Z]{2,6})-(\d{4})-(\d{6,})$/;

const yearFormats = new Map<string, Intl.DateTimeFormat>();

export function folioYear(at: Date, timeZone: string): number {
  let format = yearFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric' });
    yearFormats.set(timeZone, format);
  }
  return Number(format.format(at));
}

/** The PostgreSQL sequence that numbers the folios of one prefix and year, e.g. `folio_slp_2026`. */
export function folioSequenceName(prefix: string, year: number): string {
  if (!/^[A-Z]{2,6}$/.test(prefix)) throw new RangeError(`invalid folio prefix: ${prefix}`);
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`invalid year: ${year}`);
  return `folio_${prefix.toLowerCase()}_${year}`;
}

export function formatFolio(prefix: string, year: number, sequence: number): string {
  if (!/^[A-Z]{2,6}$/.test(prefix)) throw new RangeError(`invalid folio prefix: ${prefix}`);
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`invalid year: ${year}`);
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`invalid sequence: ${sequence}`);
  return `${prefix}-${year}-${String(sequence).padStart(6, '0')}`;
}

export interface ParsedFolio {
  prefix: string;
  year: number;
  sequence: number;
}

export function parseFolio(value: string): ParsedFolio | null {
  const m = FOLIO_PATTERN.exec(value.trim().toUpperCase());
  if (!m) return null;
  return { prefix: m[1], year: Number(m[2]), sequence: Number(m[3]) };
}

/** Finds the first folio with the given prefix inside a text, e.g. an email subject "[SLP-2026-000123]". */
export function findFolioInText(text: string, prefix: string): string | null {
  const re = new RegExp(`\\b${prefix}-(\\d{4})-(\\d{6,})\\b`, 'i');
  const m = re.exec(text);
  return m ? `${prefix}-${m[1]}-${m[2]}` : null;
}
