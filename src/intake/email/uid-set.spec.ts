import { uidSet } from './uid-set';

describe('uidSet', () => {
  it.each([
    [[1, 2, 3, 7, 9, 10], '1:3,7,9:10'],
    [[5], '5'],
    [[3, 1, 2, 2], '1:3'],
    [[], ''],
  ])('%j → %s', (uids, expected) => {
    expect(uidSet(uids)).toBe(expected);
  });
});
