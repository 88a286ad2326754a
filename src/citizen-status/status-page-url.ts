/**
 * The citizen's status page for a report, without and with the token of its link. Messages keep
 * the link without the token on the thread (press users read some threads); only what is sent to
 * the citizen carries it.
 */
export function statusPageUrls(publicBaseUrl: string, folio: string, token: string): { page: string; link: string } {
  const page = `${publicBaseUrl.replace(/\/+$/, '')}/seguimiento/${encodeURIComponent(folio)}`;
  return { page, link: `${page}?token=${encodeURIComponent(token)}` };
}
