import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursor', () => {
  it('round-trips', () => {
    const pos = { createdAt: '2026-11-26T10:00:00.123456Z', id: '42' };
    expect(decodeCursor(encodeCursor(pos))).toEqual(pos);
  });
  it.each(['', 'garbage', Buffer.from("2026-01-01T00:00:00Z|1' OR '1'='1").toString('base64url'), Buffer.from('x|1').toString('base64url')])(
    'rejects %p',
    (c) => expect(decodeCursor(c)).toBeNull(),
  );
});
