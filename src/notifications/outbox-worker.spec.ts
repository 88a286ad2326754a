import { failureOutcome } from './outbox-worker';
import { OutboxPermanentError, OutboxUnavailableError } from './outbox-transports';

describe('failureOutcome', () => {
  it('stops at once on a permanent error', () => {
    expect(failureOutcome(new OutboxPermanentError('550'), 1, 48)).toBe('failed');
  });
  it('retries other errors until the attempt limit', () => {
    expect(failureOutcome(new Error('451'), 1, 3)).toBe('retry');
    expect(failureOutcome(new Error('451'), 2, 3)).toBe('retry');
    expect(failureOutcome(new Error('451'), 3, 3)).toBe('failed');
  });
  it('never gives up while the service is unreachable', () => {
    expect(failureOutcome(new OutboxUnavailableError('ECONNREFUSED'), 10_000, 3)).toBe('retry');
  });
});
