/**
 * The first `n` characters of a text, counted in code points (as PostgreSQL's left() and varchar(n)
 * count them), never cutting a surrogate pair: `.slice(0, n)` counts UTF-16 units, and a cut in the
 * middle of an emoji leaves half of it, which is stored as U+FFFD.
 */
export function leftCodePoints(text: string, n: number): string {
  if (text.length <= n) return text;
  const head = text.slice(0, n);
  // no surrogates in the head: UTF-16 units are code points
  if (!/[\ud800-\udfff]/.test(head)) return head;
  return Array.from(text).slice(0, n).join('');
}
