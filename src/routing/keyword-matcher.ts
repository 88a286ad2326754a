import { normalizeText } from './normalize-text';

/** A keyword rule (table `routing_rules`): a keyword suggests a category (or flags transparency). */
export interface KeywordRule {
  id: string;
  keyword: string;
  kind: 'category' | 'transparency';
  categoryId: string | null;
  weight: number;
}

export interface RoutingSuggestion {
  /** the best category, or null when nothing matched or the text is a transparency request */
  categoryId: string | null;
  score: number;
  /** keywords that voted for the chosen category */
  matched: string[];
  /** a request for public information: redirect to the Unidad de Transparencia, do not route */
  transparency: boolean;
  transparencyMatched: string[];
}

/**
 * Does `kw` (normalised) occur as whole words in `tokens`? Each keyword word matches a text word
 * that is equal, or — for keyword words of 5+ letters — one edit away (a typo: "luminarea",
 * "vasura"). A keyword word ending in `*` matches any word starting with it ("fug*" → "fugo").
 */
export function keywordOccurs(kw: string, tokens: readonly string[]): boolean {
  const words = keywordWords(kw);
  if (!words.length) return false;
  outer: for (let i = 0; i + words.length <= tokens.length; i++) {
    for (let j = 0; j < words.length; j++) {
      if (!wordMatches(words[j], tokens[i + j])) continue outer;
    }
    return true;
  }
  return false;
}

/** Normalised words of a keyword, memoised: every new ticket is matched against every rule. */
const keywordWordCache = new Map<string, string[]>();
function keywordWords(kw: string): string[] {
  let words = keywordWordCache.get(kw);
  if (!words) {
    words = normalizeText(kw).split(' ').filter(Boolean);
    if (keywordWordCache.size >= 10_000) keywordWordCache.clear();
    keywordWordCache.set(kw, words);
  }
  return words;
}

function wordMatches(pattern: string, word: string): boolean {
  if (pattern.endsWith('*')) {
    const stem = pattern.slice(0, -1);
    return stem.length > 0 && word.startsWith(stem);
  }
  if (pattern === word) return true;
  return pattern.length >= 5 && withinOneEdit(pattern, word);
}

/** Levenshtein distance ≤ 1 (one insertion, deletion or substitution). */
export function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (a.length < b.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/**
 * Suggests a category for a report from the keyword rules: each matching rule adds its weight to
 * its category; the highest total wins (ties: the longer keyword, then the rule order). Any
 * transparency rule that matches flags the text and suppresses the category suggestion.
 */
export function suggestCategory(text: string, rules: readonly KeywordRule[]): RoutingSuggestion {
  const tokens = normalizeText(text).split(' ').filter(Boolean);
  const transparencyMatched: string[] = [];
  const votes = new Map<string, { score: number; longest: number; order: number; matched: string[] }>();
  rules.forEach((rule, order) => {
    if (!keywordOccurs(rule.keyword, tokens)) return;
    if (rule.kind === 'transparency') {
      transparencyMatched.push(rule.keyword);
      return;
    }
    if (!rule.categoryId) return;
    const v = votes.get(rule.categoryId) ?? { score: 0, longest: 0, order, matched: [] };
    v.score += rule.weight;
    v.longest = Math.max(v.longest, normalizeText(rule.keyword).length);
    v.matched.push(rule.keyword);
    votes.set(rule.categoryId, v);
  });
  if (transparencyMatched.length) {
    return { categoryId: null, score: 0, matched: [], transparency: true, transparencyMatched };
  }
  let best: [string, { score: number; longest: number; order: number; matched: string[] }] | null = null;
  for (const entry of votes) {
    const [, v] = entry;
    if (!best || v.score > best[1].score || (v.score === best[1].score && (v.longest > best[1].longest || (v.longest === best[1].longest && v.order < best[1].order)))) {
      best = entry;
    }
  }
  if (!best) return { categoryId: null, score: 0, matched: [], transparency: false, transparencyMatched: [] };
  return { categoryId: best[0], score: best[1].score, matched: best[1].matched, transparency: false, transparencyMatched: [] };
}
