import { tokenMatches } from './token-match';

describe('tokenMatches', () => {
  const token = 'q3Jx2y_8-abcdefghijklmnopqrstuvwxyzABCDEFG';
  it('accepts the exact token', () => expect(tokenMatches(token, token)).toBe(true));
  it.each([
    ['a different token', 'x'.repeat(43)],
    ['a prefix', token.slice(0, 20)],
    ['a longer string', token + 'x'],
    ['another case', token.toUpperCase()],
    ['empty', ''],
  ])('refuses %s', (_n, given) => expect(tokenMatches(given, token)).toBe(false));
  it('refuses anything when there is no ticket (no stored token)', () => {
    expect(tokenMatches(token, null)).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
    expect(tokenMatches(undefined, undefined)).toBe(false);
  });
});
