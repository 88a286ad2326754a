import { createHash } from 'node:crypto';
import type { ContactIdentity } from '../../citizens/citizens.service';
import { normalizePhone } from '../../citizens/normalize-contact';
import { cityTimeBound } from '../../tickets/ticket-list-query';
import type { ForwardNetwork } from './forwarded.dto';

/**
 * What a press forward says about where the message came from: the external id that makes the
 * same post forwarded twice one ticket, the author's identity, and when it was posted.
 */

/** Host prefixes that show the same page as the bare host. */
const SAME_SITE_PREFIX = /^(?:www|m|mobile|web|mbasic|touch)\./;
const HOST_ALIASES: Record<string, string> = { 'twitter.com': 'x.com', 'fb.com': 'facebook.com', 'instagr.am': 'instagram.com' };

/**
 * The post (or comment) a URL names, as one canonical URL — host in lower case without `www.`/`m.`,
 * only the query parameters that identify the post (never `utm_*`, `fbclid`, `igshid`, `si`, …),
 * no trailing slash, no fragment — or null when the URL is not a recognisable post: a profile, a
 * page of an unknown site. A profile's URL must not name the forward: two different reports by
 * the same person would become one ticket.
 */
export function canonicalPostUrl(raw: string | null | undefined): string | null {
  return postReference(raw)?.url ?? null;
}

export interface PostReference {
  /** the canonical URL (see canonicalPostUrl) */
  url: string;
  /**
   * true when the URL names one message and nothing else: an X status (a reply has its own), a
   * Facebook comment (`comment_id`), an Instagram comment (`/c/`), a YouTube comment (`lc`), a
   * WhatsApp channel post. False for a post that carries comments without links of their own (a
   * TikTok video, a Facebook or Instagram post, a YouTube video): the forward may be any of them.
   */
  exact: boolean;
  /** the account the URL shows the message under, when it says (lower case, without "@") */
  owner: string | null;
}

/** What a URL names: see canonicalPostUrl and PostReference. */
export function postReference(raw: string | null | undefined): PostReference | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  let host = url.hostname.toLowerCase().replace(/\.$/, '').replace(SAME_SITE_PREFIX, '');
  host = HOST_ALIASES[host] ?? host;
  const path = url.pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  const q = (name: string) => {
    const v = url.searchParams.get(name)?.trim();
    return v && /^[\w.-]{1,200}$/.test(v) ? v : null;
  };
  const withQuery = (base: string, params: Array<[string, string | null]>) => {
    const kept = params.filter((p): p is [string, string] => p[1] !== null).sort(([a], [b]) => a.localeCompare(b));
    return kept.length ? `${base}?${kept.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : base;
  };
  const post = (canonical: string, exact = false, owner: string | null = null): PostReference => ({ url: canonical, exact, owner });
  let m: RegExpExecArray | null;
  switch (host) {
    case 'x.com':
      // /user/status/123, /i/web/status/123, /user/status/123/photo/1: the status id names it
      m = /^\/(i\/web|[^/]+)\/status(?:es)?\/(\d{1,25})(?:\/|$)/i.exec(path);
      return m ? post(`https://x.com/i/status/${m[2]}`, true, /^i\/web$/i.test(m[1]) ? null : m[1].toLowerCase()) : null;
    case 'facebook.com': {
      // a comment's link names the comment: two neighbours commenting on one post are two reports
      const comment: Array<[string, string | null]> = [
        ['comment_id', q('comment_id')],
        ['reply_comment_id', q('reply_comment_id')],
      ];
      const isComment = Boolean(q('comment_id') || q('reply_comment_id'));
      if (/^\/(?:permalink|story)\.php$/i.test(path) && q('story_fbid')) {
        return post(withQuery('https://facebook.com/permalink.php', [['story_fbid', q('story_fbid')], ['id', q('id')], ...comment]), isComment);
      }
      if (/^\/photo(?:\.php)?$/i.test(path) && q('fbid')) return post(withQuery('https://facebook.com/photo.php', [['fbid', q('fbid')], ...comment]), isComment);
      if (/^\/watch$/i.test(path) && q('v')) return post(withQuery('https://facebook.com/watch', [['v', q('v')], ...comment]), isComment);
      if (
        /^\/(?:[^/]+\/)?(?:posts|videos|photos|reel|reels)\/[^/]+/i.test(path) ||
        /^\/groups\/[^/]+\/(?:posts|permalink)\/[^/]+/i.test(path) ||
        /^\/share\/[prv]\/[^/]+$/i.test(path) ||
        /^\/[^/]+\/photos\/[^/]+\/[^/]+/i.test(path)
      ) {
        return post(withQuery(`https://facebook.com${path}`, comment), isComment);
      }
      return null;
    }
    case 'fb.watch':
      return /^\/[\w-]+$/.test(path) ? post(`https://fb.watch${path}`) : null;
    case 'instagram.com':
      // /p/CODE, /reel/CODE, /tv/CODE, /user/p/CODE; /p/CODE/c/COMMENT names a comment
      m = /^(?:\/[^/]+)?\/(?:p|reels?|tv)\/([\w-]+)(?:\/c\/(\d+)(?:\/r\/(\d+))?)?(?:\/|$)/.exec(path);
      return m ? post(`https://instagram.com/p/${m[1]}${m[2] ? `/c/${m[2]}` : ''}${m[3] ? `/r/${m[3]}` : ''}`, Boolean(m[2])) : null;
    case 'tiktok.com':
      // a TikTok comment has no link of its own: the video's URL is all a forward of one can give
      m = /^\/@([^/]+)\/(video|photo)\/(\d+)(?:\/|$)/i.exec(path);
      if (m) return post(`https://tiktok.com/@${m[1].toLowerCase()}/${m[2].toLowerCase()}/${m[3]}`, false, m[1].toLowerCase());
      m = /^\/t\/([\w-]+)$/.exec(path);
      return m ? post(`https://tiktok.com/t/${m[1]}`) : null;
    case 'vm.tiktok.com':
    case 'vt.tiktok.com':
      return /^\/[\w-]+$/.test(path) ? post(`https://${host}${path}`) : null;
    case 'youtube.com': {
      const lc: Array<[string, string | null]> = [['lc', q('lc')]];
      const isComment = Boolean(q('lc'));
      if (/^\/watch$/i.test(path) && q('v')) return post(withQuery('https://youtube.com/watch', [['v', q('v')], ...lc]), isComment);
      m = /^\/(?:shorts|live|embed)\/([\w-]+)$/i.exec(path);
      if (m) return post(withQuery('https://youtube.com/watch', [['v', m[1]], ...lc]), isComment);
      m = /^\/post\/([\w-]+)$/i.exec(path);
      return m ? post(withQuery(`https://youtube.com/post/${m[1]}`, lc), isComment) : null;
    }
    case 'youtu.be':
      m = /^\/([\w-]+)$/.exec(path);
      return m ? post(withQuery('https://youtube.com/watch', [['v', m[1]], ['lc', q('lc')]]), Boolean(q('lc'))) : null;
    case 'whatsapp.com':
      // a channel's post: channels take reactions, not comments
      m = /^\/channel\/([\w-]+)\/(\d+)$/i.exec(path);
      return m ? post(`https://whatsapp.com/channel/${m[1]}/${m[2]}`, true) : null;
    default:
      return null;
  }
}

const collapse = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

/** A handle as the networks write them: letters, digits, `.`, `_`, `-` — no spaces, no accents. */
const HANDLE = /^(?=.*[a-z0-9])[a-z0-9._-]{1,100}$/;

export interface ForwardedAuthor {
  /** for the citizen (none for `other`, for a value that is not a handle, or a number that is not one) */
  identities: ContactIdentity[];
  /** what the thread keeps as the author's handle: `@handle`, the WhatsApp number in E.164, or the value as typed */
  handleLabel: string | null;
  /** the sender's name when the forward gives no author name */
  fallbackName: string | null;
  /** the author as part of the content key: normalised, '' when not given */
  key: string;
}

/**
 * The author of a forwarded message as a citizen identity. A handle is one only on the network it
 * belongs to, so `other` (any site) gives none; a display name typed as a handle ("Juan Pérez")
 * is not one either (namesakes would become one citizen); a WhatsApp number is the E.164
 * `whatsapp` + `phone` identity the WhatsApp webhook gives the same person.
 */
export function forwardedAuthor(network: ForwardNetwork, rawHandle: string | null | undefined, displayName: string | null | undefined): ForwardedAuthor {
  const typed = rawHandle?.trim() || null;
  if (!typed) return { identities: [], handleLabel: null, fallbackName: null, key: '' };
  if (network === 'whatsapp') {
    const e164 = normalizePhone(typed);
    if (e164) {
      return {
        identities: [
          { kind: 'whatsapp', value: e164, displayName: displayName ?? null },
          { kind: 'phone', value: e164 },
        ],
        handleLabel: e164,
        fallbackName: null,
        key: e164,
      };
    }
  }
  const handle = typed.replace(/^@+/, '').toLowerCase();
  if (network !== 'whatsapp' && HANDLE.test(handle)) {
    // within the identity's columns: handle varchar(200) with its "@", value varchar(320) with the network
    const identities: ContactIdentity[] = network === 'other' ? [] : [{ kind: 'handle', value: `${network}:${handle}`, handle: `@${handle}`, displayName: displayName ?? null }];
    return { identities, handleLabel: `@${handle}`, fallbackName: `@${handle}`, key: handle };
  }
  return { identities: [], handleLabel: typed, fallbackName: typed, key: collapse(typed.replace(/^@+/, '')) };
}

/**
 * The external id of a forward — the same message forwarded twice, by one press user or two, gets
 * the same id, which the intake's (channel, external id) uniqueness turns into one ticket; two
 * different messages never share one (a report silently lost):
 * - a URL that names one message exactly (see PostReference.exact) names the forward, whatever
 *   the text or author say — unless the forward's author handle is not the account the URL shows
 *   it under (a reply forwarded with its parent's link): then as a comment, below;
 * - a URL of a post that carries comments without links of their own (a TikTok video): a hash of
 *   the post, the network, the author and the text — two neighbours' comments under one video
 *   are two reports, the same comment forwarded again is one;
 * - no URL of a post (none, a profile): a hash of the network, the author and the text.
 * `authorKey` is the author's normalised handle (forwardedAuthor().key), else their name (see
 * forwardedAuthorKey), '' when neither is given.
 */
export function forwardedExternalId(network: ForwardNetwork, url: string | null | undefined, authorKey: string, text: string): string {
  const post = postReference(url);
  // an author known only by name may be the account's (names and handles do not compare)
  const mayBeOwner = !post?.owner || !authorKey || authorKey.startsWith('name:') || authorKey === post.owner;
  if (post?.exact && mayBeOwner) return `forwarded:post:${post.url}`;
  if (post) {
    const digest = createHash('sha256').update(JSON.stringify([network, post.url, authorKey, collapse(text)])).digest('hex');
    return `forwarded:comment:${digest}`;
  }
  const digest = createHash('sha256').update(JSON.stringify([network, authorKey, collapse(text)])).digest('hex');
  return `forwarded:text:${digest}`;
}

/** The author as part of a forward's key: the normalised handle, else the name as "name:…", else ''. */
export function forwardedAuthorKey(author: ForwardedAuthor, displayName: string | null | undefined): string {
  if (author.key) return author.key;
  const name = displayName ? collapse(displayName) : '';
  return name ? `name:${name}` : '';
}

/**
 * When it was posted, as an instant: with `Z` or an offset as given; a date-time without one is
 * wall-clock time in the city's zone, a date alone its midnight there (not the server's zone, not UTC).
 */
export function postedAtInstant(value: string | null | undefined, cityTimeZone: string): Date | null {
  if (!value) return null;
  const at = cityTimeBound(value, 'from', cityTimeZone);
  return Number.isNaN(at.getTime()) ? null : at;
}
