import {
  backoffSeconds,
  keepRetryingMedia,
  MAX_EVENT_ATTEMPTS,
  MAX_RETRY_SECONDS,
  MEDIA_MIN_ATTEMPTS,
  MEDIA_RETRY_SECONDS,
  MEDIA_TEXT_WAIT_SECONDS,
  textWaitsForMedia,
} from './social-retry-policy';

const middle = () => 0.5;
/** seconds from the first attempt to the last one, with waits at their nominal length */
const span = (random = middle) => Array.from({ length: MAX_EVENT_ATTEMPTS - 1 }, (_, i) => backoffSeconds(i + 1, random)).reduce((a, b) => a + b, 0);

describe('social retry policy', () => {
  it('waits 10 s after the first failure and doubles up to 15 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 1000].map((n) => backoffSeconds(n, middle))).toEqual([10, 20, 40, 80, 160, 320, 640, 900, 900, 900, 900]);
    expect(backoffSeconds(0, middle)).toBe(10);
  });

  it('spreads each wait by ±20 % so deliveries that failed together come back apart', () => {
    expect(backoffSeconds(1, () => 0)).toBe(8);
    expect(backoffSeconds(1, () => 1)).toBe(12);
    expect(backoffSeconds(30, () => 0)).toBe(720);
    expect(backoffSeconds(30, () => 1)).toBe(1080);
    for (let i = 0; i < 200; i++) {
      const s = backoffSeconds(10);
      expect(s).toBeGreaterThanOrEqual(MAX_RETRY_SECONDS * 0.8);
      expect(s).toBeLessThanOrEqual(MAX_RETRY_SECONDS * 1.2);
    }
  });

  it('rides out an outage of an hour and more: a delivery is failed only after about six hours of attempts', () => {
    expect(span()).toBe(24_670); // 6 h 51 min 10 s
    // even with every wait at its shortest, several hours
    expect(span(() => 0)).toBeGreaterThan(5 * 3600);
    // after an hour-long outage the next attempt comes within the cap (15 min + jitter)
    let elapsed = 0;
    let n = 1;
    while (elapsed < 3600) elapsed += backoffSeconds(n++, middle);
    expect(elapsed - 3600).toBeLessThanOrEqual(MAX_RETRY_SECONDS);
    expect(n).toBeLessThan(MAX_EVENT_ATTEMPTS);
  });

  it('holds the text back for its media only briefly', () => {
    expect(textWaitsForMedia(0, 1)).toBe(true);
    expect(textWaitsForMedia(MEDIA_TEXT_WAIT_SECONDS - 1, 4)).toBe(true);
    expect(textWaitsForMedia(MEDIA_TEXT_WAIT_SECONDS, 5)).toBe(false);
    // never on the last attempt the delivery has
    expect(textWaitsForMedia(0, MAX_EVENT_ATTEMPTS)).toBe(false);
  });

  it('keeps retrying media by time since the delivery arrived, with a few attempts at least, and stops before the attempts run out', () => {
    expect(keepRetryingMedia(5 * 3600, 25)).toBe(true);
    expect(keepRetryingMedia(MEDIA_RETRY_SECONDS, 25)).toBe(false);
    // a delivery processed late (a backlog, or queued again by an admin) still gets a few tries
    expect(keepRetryingMedia(MEDIA_RETRY_SECONDS * 3, MEDIA_MIN_ATTEMPTS - 1)).toBe(true);
    expect(keepRetryingMedia(MEDIA_RETRY_SECONDS * 3, MEDIA_MIN_ATTEMPTS)).toBe(false);
    expect(keepRetryingMedia(60, MAX_EVENT_ATTEMPTS)).toBe(false);
    // the media window ends before the delivery's attempts do (by over 45 min at the nominal waits), so the time decides
    expect(span() - MEDIA_RETRY_SECONDS).toBeGreaterThan(45 * 60);
  });
});
