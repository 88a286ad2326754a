import { MediaTooLargeError, PlatformError } from './platform-errors';

const TIMEOUT_MS = 20_000;

export interface LimitedResponse {
  status: number;
  contentType: string | null;
  body: Buffer;
}

/**
 * fetch() with a timeout and a size cap: stops reading (and throws MediaTooLargeError) as soon
 * as the body passes `maxBytes`, so a hostile or huge file never sits in memory. Network errors
 * and timeouts become retryable PlatformErrors.
 */
export async function limitedFetch(
  url: string,
  init: RequestInit,
  maxBytes: number,
  /** redirects are followed (up to 3) only to URLs this accepts; none by default */
  allowRedirect: (url: string) => boolean = () => false,
): Promise<LimitedResponse> {
  let res: Response;
  let target = url;
  for (let hops = 0; ; hops++) {
    try {
      res = await fetch(target, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new PlatformError(`falló la conexión con la plataforma (${(err as Error).name})`, true);
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (!location) break;
    await res.body?.cancel().catch(() => undefined);
    const next = new URL(location, target).toString();
    if (hops >= 3 || !allowRedirect(next)) throw new PlatformError(`redirección no seguida (HTTP ${res.status})`, false, res.status);
    target = next;
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new MediaTooLargeError(declared);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > maxBytes) throw new MediaTooLargeError(total);
        chunks.push(Buffer.from(chunk));
      }
    }
  } catch (err) {
    if (err instanceof MediaTooLargeError) throw err;
    throw new PlatformError(`no se pudo leer la respuesta (${(err as Error).name})`, true, res.status);
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: Buffer.concat(chunks) };
}

/** Retryable for 408/429/5xx, permanent for other 4xx. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `${what}: HTTP ${status}`, retryable as retryableStatus says. */
export function errorForStatus(status: number, what: string, windowClosed = false): PlatformError {
  return new PlatformError(`${what}: HTTP ${status}`, retryableStatus(status), status, windowClosed);
}

export function parseJson(body: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
