/**
 * The Content-Type we serve a stored attachment with. Only types a browser shows inertly are kept;
 * everything else (HTML, SVG, scripts, unknown) is served as a download of opaque bytes.
 */
const SAFE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'application/pdf', 'text/plain', 'audio/mpeg', 'audio/ogg', 'video/mp4']);

export function safeContentType(declared: string | null | undefined): string {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase();
  if (!SAFE.has(type)) return 'application/octet-stream';
  return type === 'text/plain' ? 'text/plain; charset=utf-8' : type;
}

/** `Content-Disposition: attachment` with an ASCII fallback and the RFC 5987 UTF-8 name. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_').slice(0, 150) || 'adjunto';
  // cut by code point: a cut inside an emoji's surrogate pair makes encodeURIComponent throw
  // (an unpaired surrogate left by the sender is dropped for the same reason)
  const utf8Name = Array.from(filename)
    .slice(0, 200)
    .join('')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(utf8Name)}`;
}
