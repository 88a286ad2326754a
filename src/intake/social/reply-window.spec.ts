import { decideReplyRoute } from './reply-window';

describe('decideReplyRoute', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

  it.each(['messenger', 'instagram', 'whatsapp'] as const)('%s: sends within 24 h, inclusive', (channel) => {
    expect(decideReplyRoute(channel, hoursAgo(1), now)).toBe('send');
    expect(decideReplyRoute(channel, hoursAgo(24), now)).toBe('send');
  });
  it.each(['messenger', 'instagram', 'whatsapp'] as const)('%s: hands over to the press office after 24 h', (channel) => {
    expect(decideReplyRoute(channel, hoursAgo(24.01), now)).toBe('manual');
    expect(decideReplyRoute(channel, hoursAgo(24 * 40), now)).toBe('manual');
  });
  it('hands over when the citizen never wrote through the platform', () => {
    expect(decideReplyRoute('whatsapp', null, now)).toBe('manual');
    expect(decideReplyRoute('telegram', null, now)).toBe('manual');
  });
  it('has no window on Telegram', () => {
    expect(decideReplyRoute('telegram', hoursAgo(24 * 90), now)).toBe('send');
  });
});
