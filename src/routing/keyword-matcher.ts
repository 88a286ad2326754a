import { normalizeText } from './normalize-text';

/** A keyword rule (table `routing_rules`): a keyword suggests a category (or flags transparency). */
export interface KeywordRule {
  id: string;
  keyword: string;
  kind: 'category' | 'transparency';
  categoryId: string | null;
  weight: number;
  /** the category's code: the last tie-break between categories (falls back to categoryId) */
  categoryCode?: string | null;
}

export interface RoutingSuggestion {
  /** the best category, or null when nothing matched or the text is a transparency request */
  categoryId: string | null;
  score: number;
  /** keywords that voted for the chosen category, in the order they occur in the text */
  matched: string[];
  /** a request for public information: redirect to the Unidad de Transparencia, do not route */
  transparency: boolean;
  transparencyMatched: string[];
}

/**
 * How closely a keyword word matches a text word (lower is better):
 * - EXACT: the same word, or a `*` keyword's prefix ("fug*" → "fugo");
 * - INFLECTED: the same word in singular or plural ("bache"/"baches", "luz"/"luces", "arbol"/"arboles");
 * - SPELLING: a spelling slip that sounds the same — b/v, s/z/c(e,i), y/ll, j/g(e,i) ("vache",
 *   "vasura", "drenage"), for words of 4+ letters;
 * - TYPO: one letter inserted, left out, changed, or two neighbours swapped ("luminarea",
 *   "luminaira", "alumbrdo"), only when both words have 6+ letters.
 * SPELLING and TYPO never apply to a common Spanish word (COMMON_WORDS: "porque" is not a typo
 * of "parque", "asalto" not one of "asfalto"); short words get no typo tolerance at all ("pero" is
 * not "perro", "poder" not "podar", "datos"/"gastos" not "gatos").
 */
export const MATCH = { EXACT: 0, INFLECTED: 1, SPELLING: 2, TYPO: 3 } as const;
const TYPO_MIN_LENGTH = 6;
const SPELLING_MIN_LENGTH = 4;

/**
 * Common Spanish words (normalised: no accents, lower case) that are never read as a slip of a
 * keyword, though one letter or one sound away from one. Singular forms are enough: a plural is
 * checked through its singular ("asaltos" → "asalto"). Exact and singular/plural matches are not
 * affected: a keyword that is itself one of these words still matches it.
 */
export const COMMON_WORDS: ReadonlySet<string> = new Set(
  `
  porque aunque cuando cuanto cuanta donde adonde tambien tampoco despues entonces todavia siempre
  mientras durante contra frente encima debajo dentro afuera adentro detras delante enfrente
  alrededor ademas apenas bastante demasiado cualquier cualquiera quienes cuales alguien alguno
  alguna ninguno ninguna nuestro nuestra vuestro ustedes nosotros nosotras ellos ellas mismo misma
  mucho mucha poco otro otra varios varias tanto tanta todos todas nadie nada solamente
  unicamente realmente nuevamente actualmente totalmente favor gracias desde hasta sobre entre
  pero pues para poder puede pueden podemos podria podrian pudo pudieron podido
  dato gasto pato plato trato rato
  estaba estaban estamos estado estuvo estan tienen tenemos tenido tuvo tuvieron
  hacer hacen hicieron hecho dicho dijeron dicen decir quiero queremos quisiera necesito
  necesitamos necesita solicito solicitamos pedimos pedido pasado pasada pasaron pasando
  llegaron llegado vinieron venido salido salida entrada hablar hablado llamar llamado llamada
  reporte reportar reportado reportamos atender atendido atendida atendieron revisar revisado
  revision arreglar arreglado arreglen reparar reparado reparen limpiar limpiado limpien
  cambiar cambiado cambien quitar quiten funciona funcionan sirve sirven prende prenden
  pagar pagado pagada pagaron pago cobro cobrado cobrada cobran recibo factura cuenta
  derecho deber techo pecho trecho estrecho asalto asaltado asaltada robado robada robo golpe
  golpeado mordido mordieron morder camino caminar carretera calle avenida esquina colonia
  vecino vecina ciudad municipio gobierno presidente presidenta regidor problema servicio
  numero domicilio direccion escuela mercado iglesia centro noche tiempo semana manana tarde
  persona gente familia hijo hija puerta ventana pared cable carro coche camioneta terreno
  predio lote casa cosa caso parte puerto puesta siesta cocina grande pequeno pequena nuevo
  nueva viejo vieja abajo arriba cerca lejos antes ahora luego ayer anoche
  vaya valla baya haya halla raya ralla cayo callo vez ves haz has caza cierra sierra
  bello vello votar botar cause cauce asar azar hola anima registra registre servido
  `
    .split(/\s+/)
    .filter(Boolean),
);

/** One normalised word and what the comparisons need of it, memoised. */
interface WordInfo {
  word: string;
  /** the word and its possible singulars (for a text word) or itself and its singulars (for a keyword word) */
  forms: string[];
  /** SPELLING keys of the forms */
  keys: string[];
  /** a common word, or the plural of one: no SPELLING or TYPO match */
  common: boolean;
  /** a keyword word ending in `*` */
  prefix: string | null;
}

const wordCache = new Map<string, WordInfo>();
function wordInfo(word: string): WordInfo {
  let info = wordCache.get(word);
  if (!info) {
    const prefix = word.endsWith('*') ? word.slice(0, -1) : null;
    const forms = prefix === null ? singularForms(word) : [word];
    info = {
      word,
      forms,
      keys: forms.map(spellingKey),
      common: forms.some((f) => COMMON_WORDS.has(f)),
      prefix,
    };
    if (wordCache.size >= 50_000) wordCache.clear();
    wordCache.set(word, info);
  }
  return info;
}

/**
 * The word and what it would be as a singular, by the simple Spanish plural rules: -s
 * ("baches" → "bache"), -es ("arboles" → "arbol"), -ces → -z ("luces" → "luz"). Only stems of 3+
 * letters ("mes" from "meses", not "tr" from "tres"). A wrong guess ("bach" from "baches") is
 * harmless: it only matters if a keyword has the same form.
 */
export function singularForms(word: string): string[] {
  const forms = [word];
  if (word.endsWith('ces') && word.length >= 5) forms.push(`${word.slice(0, -3)}z`);
  if (word.endsWith('es') && word.length >= 5) forms.push(word.slice(0, -2));
  if (word.endsWith('s') && word.length >= 4) forms.push(word.slice(0, -1));
  return forms;
}

/** Letters that sound the same in Mexican Spanish folded together: b/v, s/z/c(e,i), y/ll, j/g(e,i). */
export function spellingKey(word: string): string {
  return word
    .replace(/v/g, 'b')
    .replace(/c(?=[ei])/g, 's')
    .replace(/z/g, 's')
    .replace(/ll/g, 'y')
    .replace(/g(?=[ei])/g, 'j');
}

/** How well the keyword word `p` matches the text word `w` (a MATCH value, lower is closer), or null. */
function wordQuality(p: WordInfo, w: WordInfo): number | null {
  if (p.prefix !== null) return p.prefix.length > 0 && w.word.startsWith(p.prefix) ? MATCH.EXACT : null;
  if (p.word === w.word) return MATCH.EXACT;
  if (p.forms.some((f) => w.forms.includes(f))) return MATCH.INFLECTED;
  if (w.common) return null;
  // a slip of the keyword as written ranks before a slip of its singular ("luminaira": `luminaria`, then `luminarias`)
  const viaSingular = (i: number) => (i === 0 ? 0 : 0.5);
  if (p.word.length >= SPELLING_MIN_LENGTH && w.word.length >= SPELLING_MIN_LENGTH) {
    const i = p.keys.findIndex((k) => w.keys.includes(k));
    if (i >= 0) return MATCH.SPELLING + viaSingular(i);
  }
  for (let i = 0; i < p.forms.length; i++) {
    const pf = p.forms[i];
    if (pf.length < TYPO_MIN_LENGTH) continue;
    for (const wf of w.forms) {
      if (wf.length >= TYPO_MIN_LENGTH && withinOneEdit(pf, wf)) return MATCH.TYPO + viaSingular(i);
    }
  }
  return null;
}

/** Normalised words of a keyword, memoised: every new ticket is matched against every rule. */
const keywordWordCache = new Map<string, WordInfo[]>();
function keywordWords(kw: string): WordInfo[] {
  let words = keywordWordCache.get(kw);
  if (!words) {
    words = normalizeText(kw).split(' ').filter(Boolean).map(wordInfo);
    if (keywordWordCache.size >= 10_000) keywordWordCache.clear();
    keywordWordCache.set(kw, words);
  }
  return words;
}

interface Occurrence {
  start: number;
  length: number;
  quality: number;
}

/** Every place the keyword occurs as whole consecutive words in the text, with its worst word's quality. */
function occurrences(kw: string, tokens: readonly WordInfo[]): Occurrence[] {
  const words = keywordWords(kw);
  const found: Occurrence[] = [];
  if (!words.length) return found;
  outer: for (let i = 0; i + words.length <= tokens.length; i++) {
    let quality: number = MATCH.EXACT;
    for (let j = 0; j < words.length; j++) {
      const q = wordQuality(words[j], tokens[i + j]);
      if (q === null) continue outer;
      quality = Math.max(quality, q);
    }
    found.push({ start: i, length: words.length, quality });
  }
  return found;
}

function tokenize(text: string): WordInfo[] {
  return normalizeText(text).split(' ').filter(Boolean).map(wordInfo);
}

/** Does `kw` occur as whole words in the text words `tokens` (see MATCH for what counts)? */
export function keywordOccurs(kw: string, tokens: readonly string[]): boolean {
  return occurrences(kw, tokens.map(wordInfo)).length > 0;
}

/** Edit distance ≤ 1, where swapping two neighbouring letters is one edit ("luminaira"). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    // one substitution, or one swap of neighbours
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  // one insertion / deletion
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

interface Candidate {
  rule: KeywordRule;
  occurrence: Occurrence;
  keywordLength: number;
}

const codeOf = (rule: KeywordRule) => rule.categoryCode ?? rule.categoryId ?? '';

/**
 * Suggests a category for a report from the keyword rules.
 *
 * Each text word votes through at most one rule, the best that matches it: a closer match first
 * (MATCH), then the higher weight, then the phrase covering more words, then the longer keyword,
 * then the category code and the keyword (so "baches" counts once, for the keyword `baches`, not
 * also for `bache`; "aguas negras" counts for that phrase, not also for `agua`). A rule found
 * several times counts once. Each category's score is the sum of its voting rules' weights; the
 * highest wins; ties go to the category with the longest voting keyword, then the smallest
 * category code (never to the order the rules were stored in).
 *
 * A transparency rule that matches anywhere flags the text and suppresses the category suggestion.
 */
export function suggestCategory(text: string, rules: readonly KeywordRule[]): RoutingSuggestion {
  const tokens = tokenize(text);
  const transparencyMatched: string[] = [];
  const candidates: Candidate[] = [];
  for (const rule of rules) {
    if (rule.kind === 'category' && !rule.categoryId) continue;
    const found = occurrences(rule.keyword, tokens);
    if (!found.length) continue;
    if (rule.kind === 'transparency') {
      transparencyMatched.push(rule.keyword);
      continue;
    }
    const keywordLength = normalizeText(rule.keyword).length;
    for (const occurrence of found) candidates.push({ rule, occurrence, keywordLength });
  }
  if (transparencyMatched.length) {
    return { categoryId: null, score: 0, matched: [], transparency: true, transparencyMatched };
  }

  candidates.sort(
    (x, y) =>
      x.occurrence.quality - y.occurrence.quality ||
      y.rule.weight - x.rule.weight ||
      y.occurrence.length - x.occurrence.length ||
      y.keywordLength - x.keywordLength ||
      compare(codeOf(x.rule), codeOf(y.rule)) ||
      compare(x.rule.keyword, y.rule.keyword) ||
      x.occurrence.start - y.occurrence.start,
  );
  const claimed = new Set<number>();
  const voted = new Set<KeywordRule>();
  const votes = new Map<string, { code: string; score: number; longest: number; matched: Array<{ keyword: string; at: number }> }>();
  for (const { rule, occurrence, keywordLength } of candidates) {
    const span = Array.from({ length: occurrence.length }, (_, k) => occurrence.start + k);
    if (span.some((t) => claimed.has(t))) continue;
    span.forEach((t) => claimed.add(t));
    if (voted.has(rule)) continue;
    voted.add(rule);
    const categoryId = rule.categoryId as string;
    const v = votes.get(categoryId) ?? { code: codeOf(rule), score: 0, longest: 0, matched: [] };
    v.score += rule.weight;
    v.longest = Math.max(v.longest, keywordLength);
    v.matched.push({ keyword: rule.keyword, at: occurrence.start });
    votes.set(categoryId, v);
  }

  let best: [string, { code: string; score: number; longest: number; matched: Array<{ keyword: string; at: number }> }] | null = null;
  for (const entry of votes) {
    const [, v] = entry;
    if (!best) {
      best = entry;
      continue;
    }
    const b = best[1];
    if (v.score > b.score || (v.score === b.score && (v.longest > b.longest || (v.longest === b.longest && compare(v.code, b.code) < 0)))) best = entry;
  }
  if (!best) return { categoryId: null, score: 0, matched: [], transparency: false, transparencyMatched: [] };
  const matched = [...best[1].matched].sort((x, y) => x.at - y.at).map((m) => m.keyword);
  return { categoryId: best[0], score: best[1].score, matched, transparency: false, transparencyMatched: [] };
}

/** Plain code-unit comparison: the same order on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
