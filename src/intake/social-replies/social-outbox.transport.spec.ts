import { PlatformError } from '../social/platform-errors';
import { createSocialOutboxTransport } from './social-outbox.transport';

class PermanentForTest extends Error {}

describe('createSocialOutboxTransport', () => {
  const permanent = (m: string) => new PermanentForTest(m);

  it('passes the row payload to the sender and returns the platform id', async () => {
    const seen: unknown[] = [];
    const transport = createSocialOutboxTransport({ send: async (p) => (seen.push(p), { externalId: 'wamid.1' }) }, permanent);
    await expect(transport.send({ payload: { kind: 'social_reply' } })).resolves.toEqual({ externalId: 'wamid.1' });
    expect(seen).toEqual([{ kind: 'social_reply' }]);
  });
  it('turns a non-retryable platform error into the outbox permanent error', async () => {
    const transport = createSocialOutboxTransport({ send: () => Promise.reject(new PlatformError('blocked', false, 403)) }, permanent);
    await expect(transport.send({ payload: {} })).rejects.toBeInstanceOf(PermanentForTest);
  });
  it('rethrows retryable errors as they are, so the outbox retries', async () => {
    const err = new PlatformError('HTTP 503', true, 503);
    const transport = createSocialOutboxTransport({ send: () => Promise.reject(err) }, permanent);
    await expect(transport.send({ payload: {} })).rejects.toBe(err);
    const boom = new Error('socket hang up');
    await expect(createSocialOutboxTransport({ send: () => Promise.reject(boom) }, permanent).send({ payload: {} })).rejects.toBe(boom);
  });
});
