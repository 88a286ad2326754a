/**
 * The first `n` characters of a text, counted in code points (as PostgreSQL's left() and varchar(n)
 * count them), never cutting a surrogate pair: `.slice(0, n)` counts UTF-16 units, and a cut in the
 * middle of an emoji leaves half of it, which is stored as U+FFFD (and refused inside JSON).
 * Walks only the head: a multi-megabyte body costs what its first `n` characters cost.
 */
export function leftCodePoints(text: string, n: number): string {
  if (text.length <= n) return text;
  const head = text.slice(0, n);
  // no surrogates in the head: UTF-16 units are code points
  if (!/[\ud800-\udfff]/.test(head)) return head;
  let units = 0;
  for (let count = 0; count < n && units < text.length; count++) {
    const c = text.charCodeAt(units);
    const pair = c >= 0xd800 && c <= 0xdbff && units + 1 < text.length && (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return text.slice(0, units);
}
