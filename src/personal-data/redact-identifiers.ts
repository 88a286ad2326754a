/** What identifies one citizen, collected before anonymisation. */
export interface PersonalIdentifiers {
  names: string[];
  emails: string[];
  phones: string[];
  handles: string[];
  platformIds: string[];
}

export interface Redactor {
  /** the text with every identifier replaced by a placeholder */
  text(value: string): string;
  textOrNull(value: string | null): string | null;
  /** every string inside a JSON value (keys kept) */
  json<T>(value: T): T;
}

export const PLACEHOLDERS = {
  name: '[nombre eliminado]',
  email: '[correo eliminado]',
  phone: '[teléfono eliminado]',
  handle: '[usuario eliminado]',
  platformId: '[identificador eliminado]',
} as const;

// (no escaping of - or /: unicode-mode patterns refuse needless escapes)
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const BEFORE = '(?<![\\p{L}\\p{N}_])';
const AFTER = '(?![\\p{L}\\p{N}_])';
const ACCENTS: Record<string, string> = {
  a: 'aáàäâã',
  e: 'eéèëê',
  i: 'iíìïî',
  o: 'oóòöôõ',
  u: 'uúùüû',
  n: 'nñ',
  c: 'cç',
};
/** Short words that are never redacted on their own ("de", "la", "del"…): only within the full name. */
const MIN_NAME_TOKEN = 4;

function accentInsensitive(word: string): string {
  return [...word.normalize('NFD').replace(/\p{M}/gu, '')]
    .map((ch) => {
      const lower = ch.toLowerCase();
      return ACCENTS[lower] ? `[${ACCENTS[lower]}]` : escapeRe(ch);
    })
    .join('');
}

function phonePattern(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 8) return null;
  // Mexican numbers: the 10 national digits, optionally preceded by 52 / +52 / 52 1
  const national = digits.startsWith('52') && digits.length === 12 ? digits.slice(2) : digits;
  const sep = '[\\s().-]*';
  const prefix = national !== digits ? `(?:\\+?52${sep}(?:1${sep})?)?` : '\\+?';
  return `${prefix}\\(?${[...national].join(sep)}`;
}

/** HTML keeps accents and @ as entities sometimes (`Mar&iacute;a`, `&#64;`): decode those before matching. */
const NAMED: Record<string, string> = {
  aacute: 'á', eacute: 'é', iacute: 'í', oacute: 'ó', uacute: 'ú', ntilde: 'ñ', uuml: 'ü',
  Aacute: 'Á', Eacute: 'É', Iacute: 'Í', Oacute: 'Ó', Uacute: 'Ú', Ntilde: 'Ñ', Uuml: 'Ü', commat: '@', period: '.', nbsp: ' ',
};
function decodeHarmlessEntities(s: string): string {
  return s
    .replace(/&#(\d{1,6});/g, (m, d: string) => {
      const c = String.fromCodePoint(Number(d));
      return /[<>&"']/.test(c) ? m : c;
    })
    .replace(/&#x([0-9a-f]{1,6});/gi, (m, h: string) => {
      const c = String.fromCodePoint(parseInt(h, 16));
      return /[<>&"']/.test(c) ? m : c;
    })
    .replace(/&([A-Za-z]+);/g, (m, n: string) => NAMED[n] ?? m);
}

/**
 * Builds the redactor for one citizen: emails, phone numbers (in any common spelling), handles
 * (with or without @), platform ids, the full name and each name word of 4+ letters
 * (accent- and case-insensitive, whole words only).
 */
export function buildRedactor(ids: PersonalIdentifiers): Redactor {
  const rules: Array<[RegExp, string]> = [];
  const uniq = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  for (const email of uniq(ids.emails)) rules.push([new RegExp(escapeRe(email), 'giu'), PLACEHOLDERS.email]);
  for (const phone of uniq(ids.phones)) {
    const p = phonePattern(phone);
    if (p) rules.push([new RegExp(`(?<!\\d)${p}(?!\\d)`, 'gu'), PLACEHOLDERS.phone]);
  }
  for (const id of uniq(ids.platformIds).filter((x) => x.length >= 5)) {
    rules.push([new RegExp(`${BEFORE}${escapeRe(id)}${AFTER}`, 'giu'), PLACEHOLDERS.platformId]);
  }
  for (const handle of uniq(ids.handles.map((h) => h.replace(/^@/, ''))).filter((x) => x.length >= 3)) {
    rules.push([new RegExp(`@?${BEFORE}${escapeRe(handle)}${AFTER}`, 'giu'), PLACEHOLDERS.handle]);
  }
  const names = uniq(ids.names);
  for (const name of names) {
    const words = name.split(/\s+/).map(accentInsensitive).join('\\s+');
    rules.push([new RegExp(`${BEFORE}${words}${AFTER}`, 'giu'), PLACEHOLDERS.name]);
  }
  const tokens = uniq(names.flatMap((n) => n.split(/[\s,.]+/)).filter((w) => [...w].length >= MIN_NAME_TOKEN));
  for (const token of tokens) rules.push([new RegExp(`${BEFORE}${accentInsensitive(token)}${AFTER}`, 'giu'), PLACEHOLDERS.name]);

  const text = (value: string): string => {
    if (!value) return value;
    let out = value.includes('&') ? decodeHarmlessEntities(value) : value;
    if (out === value && !rules.some(([re]) => (re.lastIndex = 0, re.test(value)))) return value;
    for (const [re, placeholder] of rules) out = out.replace(re, placeholder);
    return out;
  };
  return { text, textOrNull: (v) => (v === null ? null : text(v)), json: (value) => mapStrings(value, text) };
}

/** Every string inside a JSON-like value (objects, arrays; not dates or buffers) passed through `fn`. */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, mapStrings(v, fn)])) as T;
  }
  return value;
}
