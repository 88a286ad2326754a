/**
 * pg_trgm's `similarity(f_unaccent(lower(a)), f_unaccent(lower(b)))`, computed in the app.
 *
 * The duplicate search scores a new ticket against up to 150 recent tickets. In SQL, every call
 * re-derives both trigram sets (and re-runs unaccent) for every pair: about 4 ms of database CPU
 * per new ticket, more than the rest of its intake. Here each ticket's set is derived once and
 * cached, and a comparison is a merge of two sorted arrays.
 *
 * Same algorithm as pg_trgm (generate_trgm + cnt_sml): the text is lower-cased and unaccented,
 * split into words of letters and digits, each word padded with two spaces before and one after,
 * every run of three characters is a trigram, and similarity = shared / (|a| + |b| − shared).
 * A test compares the scores with PostgreSQL's own.
 */

/** lower(), then unaccent: "Bache en ÁLVARO Obregón" → "bache en alvaro obregon" (ñ → n, as unaccent) */
export function foldForSimilarity(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđ]/g, (c) => FOLD[c] ?? c);
}

const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd' };

const WORD = /[\p{L}\p{N}]+/gu;

/** The sorted, distinct trigrams of an already folded text, each packed into a 32-bit number. */
export function trigrams(folded: string): Uint32Array {
  const out: number[] = [];
  for (const match of folded.matchAll(WORD)) {
    const chars = Array.from(`  ${match[0]} `);
    for (let i = 0; i + 3 <= chars.length; i++) out.push(pack(chars[i], chars[i + 1], chars[i + 2]));
  }
  const sorted = Uint32Array.from(out).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i];
  return sorted.slice(0, n);
}

/** ASCII trigrams are packed exactly (24 bits); others hashed into the upper half (as pg_trgm's CRC) */
function pack(a: string, b: string, c: string): number {
  const x = a.codePointAt(0)!;
  const y = b.codePointAt(0)!;
  const z = c.codePointAt(0)!;
  if (x < 128 && y < 128 && z < 128) return (x << 16) | (y << 8) | z;
  let h = 0x811c9dc5;
  for (const cp of [x, y, z]) h = Math.imul(h ^ cp, 0x01000193);
  return (h | 0x80000000) >>> 0;
}

/** shared / (|a| + |b| − shared), 0 when either text has no words (as pg_trgm) */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  if (!a.length || !b.length) return 0;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

/**
 * Trigram sets of recently seen tickets, keyed by ticket id and checked against the text they were
 * made from (an edited ticket is simply derived again). Bounded; the oldest entry goes first.
 */
export class TrigramCache {
  private readonly entries = new Map<string, { text: string; set: Uint32Array }>();

  constructor(private readonly maxEntries = 5_000) {}

  get size(): number {
    return this.entries.size;
  }

  setOf(id: string, text: string): Uint32Array {
    const hit = this.entries.get(id);
    if (hit && hit.text === text) return hit.set;
    const set = trigrams(foldForSimilarity(text));
    this.entries.delete(id);
    this.entries.set(id, { text, set });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return set;
  }
}
