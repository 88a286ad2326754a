import type { IncomingMessage } from 'node:http';

/**
 * Deepest `[`/`{` nesting a JSON request body may have. Real bodies (the DTOs, Meta and Telegram
 * deliveries) stay under 10; a few thousand levels overflow the stack of class-transformer inside
 * the ValidationPipe (a 500) and a few hundred thousand block the event loop for seconds.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether a JSON text nests `[`/`{` deeper than `limit`, in one linear pass that stops at the first
 * level over it: brackets inside strings (escapes included) do not count. For UTF-8 bytes (a Buffer)
 * or the code units of a decoded string: no byte of a multi-byte UTF-8 sequence is ASCII, so the
 * structural characters are found in the raw bytes. Exact for any text JSON.parse accepts; on
 * malformed text it only has to be cheap, JSON.parse refuses that text anyway.
 */
export function jsonNestsDeeperThan(text: Uint8Array | string, limit: number): boolean {
  const bytes = typeof text !== 'string';
  const length = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < length; i++) {
    const c = bytes ? text[i] : text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/** A body-parser error (http-errors shape: the Express adapter maps it to an HttpException, answered in SPEC §5 form). */
export class RequestBodyError extends Error {
  readonly status: number;
  readonly statusCode: number;
  readonly expose = true;
  constructor(
    status: number,
    message: string,
    readonly type: string,
  ) {
    super(message);
    this.name = 'RequestBodyError';
    this.status = this.statusCode = status;
  }
}

/**
 * `verify` hook for the JSON and raw (webhook) body parsers: refuses, before JSON.parse and the
 * ValidationPipe, a body nested deeper than `limit` with a 400. body-parser passes the request's
 * charset for the JSON parser (null for the raw parser: the webhooks are UTF-8 JSON). A byte scan
 * is only exact for UTF-8; UTF-16LE/BE are decoded first. Any other charset body-parser would decode
 * (UTF-7 can spell `[` as `+AFs-`, "utf-16" guesses the byte order, UTF-32) is refused with 415:
 * RFC 8259 §8.1 has JSON exchanged in UTF-8.
 */
export function jsonDepthVerifier(limit = MAX_JSON_DEPTH) {
  return (_req: IncomingMessage, _res: unknown, body: Buffer, encoding?: string | null): void => {
    const charset = encoding ? encoding.toLowerCase() : 'utf-8';
    let deep: boolean;
    if (charset === 'utf-8' || charset === 'utf8') deep = jsonNestsDeeperThan(body, limit);
    else if (charset === 'utf-16le' || charset === 'utf-16be') deep = jsonNestsDeeperThan(new TextDecoder(charset).decode(body), limit);
    else throw new RequestBodyError(415, `unsupported charset "${charset.toUpperCase()}": send JSON in UTF-8`, 'charset.unsupported');
    if (deep) throw new RequestBodyError(400, `JSON body nested too deeply (more than ${limit} levels of arrays/objects)`, 'entity.too.deep');
  };
}
