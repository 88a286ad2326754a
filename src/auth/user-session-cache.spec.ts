import { UserSessionCache } from './user-session-cache';

describe('UserSessionCache', () => {
  const user = { id: 'u1', role: 'agent' as const, name: 'Agente', active: true, tokenVersion: 0 };
  it('returns a cached user until the TTL passes', () => {
    const c = new UserSessionCache();
    c.set(user, 1000);
    expect(c.get('u1', 1000 + UserSessionCache.TTL_MS - 1)).toEqual(user);
    expect(c.get('u1', 1000 + UserSessionCache.TTL_MS)).toBeUndefined();
  });
  it('evicts on demand', () => {
    const c = new UserSessionCache();
    c.set(user);
    c.evict('u1');
    expect(c.get('u1')).toBeUndefined();
  });
});
