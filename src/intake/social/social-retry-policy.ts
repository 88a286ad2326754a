/**
 * How long the social intake keeps trying (SPEC §3.2): long enough to ride out an outage of the
 * Graph / Bot API or of the database of an hour or more without an admin, and to bring in a
 * citizen's photo that could not be downloaded at first — while the message's text never waits
 * long and is never lost.
 *
 * Deliveries: retried 10 s after the first failure, then 20 s, 40 s … doubling up to 15 minutes
 * between attempts (each wait ±20 % at random, so deliveries that failed together do not all come
 * back at once). MAX_EVENT_ATTEMPTS attempts span about 6 h 50 min; only then is a delivery
 * `failed` (listed for admins). An outage of an hour is followed within 15 minutes of its end.
 *
 * Media: a download that fails transiently holds the message back for MEDIA_TEXT_WAIT_SECONDS
 * after the delivery arrived (the usual blip then leaves no trace); after that the message goes in
 * with the file recorded as pending, and the download is retried with the delivery until
 * MEDIA_RETRY_SECONDS after it arrived (and at least MEDIA_MIN_ATTEMPTS attempts): then the file
 * is recorded as not downloadable.
 */

export const FIRST_RETRY_SECONDS = 10;
export const MAX_RETRY_SECONDS = 15 * 60;
/** each wait is the nominal one times 1 ± this */
export const RETRY_JITTER = 0.2;

/**
 * Attempts per delivery, counted when it is claimed (so one that never finishes counts too):
 * 7 waits of 10 s … 640 s (21 min in all) and 26 of 15 min ≈ 6 h 50 min from the first to the
 * last — past the media window (6 h) even when the random spread shortens the waits.
 */
export const MAX_EVENT_ATTEMPTS = 34;
/**
 * Attempts that never finished (the process died on them, or lost the database mid-way: the
 * claim was still held when the row was claimed again). A delivery that keeps killing the process
 * goes `failed` at the claim after this many, instead of crashing it for hours.
 */
export const MAX_UNFINISHED_ATTEMPTS = 4;

/** While the delivery is younger than this, a transient media failure retries the whole message (text included). */
export const MEDIA_TEXT_WAIT_SECONDS = 2 * 60;
/** After this long since the delivery arrived, a media download still failing transiently is given up. */
export const MEDIA_RETRY_SECONDS = 6 * 60 * 60;
/** … but never before this many attempts (a delivery an admin queues again, or one that waited behind a backlog, still gets a few). */
export const MEDIA_MIN_ATTEMPTS = 4;

/** Seconds to wait before attempt n+1 after attempt n failed (n ≥ 1): 10, 20, 40 … capped at 15 min, ±20 %. */
export function backoffSeconds(attempts: number, random: () => number = Math.random): number {
  const nominal = Math.min(FIRST_RETRY_SECONDS * 2 ** Math.min(Math.max(0, attempts - 1), 20), MAX_RETRY_SECONDS);
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal * factor * 1000) / 1000;
}

/** Whether a media download that failed transiently is tried again later (else it is recorded as not downloadable). */
export function keepRetryingMedia(ageSeconds: number, attempts: number): boolean {
  if (attempts >= MAX_EVENT_ATTEMPTS) return false;
  return ageSeconds < MEDIA_RETRY_SECONDS || attempts < MEDIA_MIN_ATTEMPTS;
}

/** Whether the message itself still waits for its media (the whole delivery is retried) instead of going in without it. */
export function textWaitsForMedia(ageSeconds: number, attempts: number): boolean {
  return ageSeconds < MEDIA_TEXT_WAIT_SECONDS && attempts < MAX_EVENT_ATTEMPTS;
}
