import type { EntityManager } from 'typeorm';
import { pseudonymousWamid, wamidHoldsAnyOf, wamidNeedles } from '../intake/social/social-events-personal-data';
import type { PersonalDataHandler, PersonalDataSubject } from './personal-data-registry';
import { mapStrings, PLACEHOLDERS, type Redactor } from './redact-identifiers';

const ERASED_ATTACHMENT_REASON = 'eliminado por anonimización';
/** In the ARCO export, in place of what someone else wrote on the citizen's tickets. */
export const THIRD_PARTY_MESSAGE = 'mensaje de un tercero';

/**
 * A redacted value cut to its varchar column (PostgreSQL counts characters, i.e. code points): a
 * placeholder may be longer than what it replaces ('[correo eliminado]' for 'a@b.mx'), and a
 * value at the column's limit would otherwise fail the anonymisation (22001) every time.
 */
export function fitColumn(value: string, width: number): string;
export function fitColumn(value: string | null, width: number): string | null;
export function fitColumn(value: string | null, width: number): string | null {
  if (value === null || value.length <= width) return value; // UTF-16 length >= code points
  return [...value].slice(0, width).join('');
}

/** The widths (migrations/) of the varchar columns erase() rewrites here. */
const WIDTH = {
  ticketSubject: 300,
  ticketAddress: 500,
  rejectionReason: 500,
  authorName: 200,
  messageSubject: 500,
  externalId: 998,
  eventReason: 1000,
} as const;

/** A WhatsApp message id (the pattern of the raw-delivery redaction, social-events-personal-data.ts). */
const WAMID = /wamid\.[A-Za-z0-9+/_=-]+/g;
/** What pseudonymousWamid() makes: never replaced again, so one message keeps one pseudonym. */
const PSEUDONYMOUS_WAMID = /^wamid\.[0-9a-f]{64}$/;

/**
 * The redactor, plus: a wamid that holds one of the citizen's numbers (observed, not documented by
 * Meta: base64 of a record with the other party's wa_id) becomes pseudonymousWamid(), as in the
 * stored raw deliveries; what follows it (a ':<n>' suffix) stays. Other people's wamids stay.
 */
function replacingWamids(redact: Redactor, s: PersonalDataSubject): Redactor & { wamids(value: string): string } {
  const needles = wamidNeedles(s);
  const wamids = (value: string): string =>
    needles.length && value.includes('wamid.')
      ? value.replace(WAMID, (w) => (!PSEUDONYMOUS_WAMID.test(w) && wamidHoldsAnyOf(w, needles) ? pseudonymousWamid(w) : w))
      : value;
  const text = (value: string): string => redact.text(wamids(value));
  return { text, textOrNull: (value) => (value === null ? null : text(value)), json: (value) => mapStrings(value, text), wamids };
}

/** citizens + citizen_identities: the record itself. */
export const citizensHandler: PersonalDataHandler = {
  name: 'citizens',
  tables: ['citizens', 'citizen_identities'],
  async export(manager, s) {
    const citizens: Array<Record<string, unknown>> = await manager.query(
      `SELECT id, name, merged_into_id AS "mergedIntoId", anonymised_at AS "anonymisedAt", created_at AS "createdAt", updated_at AS "updatedAt"
       FROM citizens WHERE id = ANY($1) ORDER BY created_at`,
      [s.citizenIds],
    );
    const identities: Array<Record<string, unknown>> = await manager.query(
      `SELECT kind, value, handle, display_name AS "displayName", undeliverable, created_at AS "createdAt"
       FROM citizen_identities WHERE citizen_id = ANY($1) ORDER BY created_at, id`,
      [s.citizenIds],
    );
    return {
      citizen: citizens.find((c) => c.id === s.citizenId),
      identities,
      mergedRecords: citizens.filter((c) => c.id !== s.citizenId),
    };
  },
  async erase(manager, s) {
    // the placeholder value keeps (kind, value) unique; a new message from the old address makes a new citizen
    await manager.query(
      `UPDATE citizen_identities SET value = 'anonimizado-' || id::text, handle = NULL, display_name = NULL WHERE citizen_id = ANY($1)`,
      [s.citizenIds],
    );
    await manager.query(`UPDATE citizens SET name = $2, anonymised_at = now(), updated_at = now() WHERE id = ANY($1)`, [s.citizenIds, PLACEHOLDERS.name]);
  },
};

async function messageIds(manager: EntityManager, s: PersonalDataSubject): Promise<string[]> {
  const rows: Array<{ id: string }> = await manager.query(
    `SELECT id FROM messages WHERE ticket_id = ANY($1) OR author_citizen_id = ANY($2)`,
    [s.ticketIds, s.citizenIds],
  );
  return rows.map((r) => String(r.id));
}

/**
 * A message's external id once its citizen is anonymised. A wamid of theirs becomes its pseudonym,
 * whole and bare: unique as the wamid was, and the same text the stored raw delivery now holds (a
 * redelivery of the message could be recognised by it). ':<message id>' goes after it only when
 * another message of the channel already has that id (a redelivery after an earlier anonymisation
 * came in again). Anything else the redactor changes (a Telegram chat id) gets ':<message id>' too:
 * (channel, external_id) stays unique even if two ids redact to the same text (the message id goes
 * last, whole, after a cut).
 */
async function anonymisedExternalId(
  manager: EntityManager,
  m: { id: string; channel: string; external_id: string | null },
  redact: ReturnType<typeof replacingWamids>,
): Promise<string | null> {
  if (m.external_id === null) return null;
  const pseudonymous = redact.wamids(m.external_id);
  const redacted = redact.text(m.external_id);
  if (redacted === m.external_id) return redacted;
  const suffix = `:${m.id}`;
  const withSuffix = `${fitColumn(redacted, WIDTH.externalId - suffix.length)}${suffix}`;
  if (redacted !== pseudonymous || [...redacted].length > WIDTH.externalId) return withSuffix;
  const taken: unknown[] = await manager.query(`SELECT 1 FROM messages WHERE channel = $1 AND external_id = $2 AND id <> $3 LIMIT 1`, [m.channel, redacted, m.id]);
  return taken.length ? withSuffix : redacted;
}

/** tickets, their thread (messages, attachments) and events. */
export const ticketsHandler: PersonalDataHandler = {
  name: 'tickets',
  tables: ['tickets', 'messages', 'attachments', 'ticket_events'],
  async export(manager, s) {
    const tickets: Array<Record<string, unknown>> = await manager.query(
      `SELECT id, folio, subject, description, status, priority, channel, address, colonia, latitude, longitude,
              pole_id AS "poleId", tags, created_at AS "createdAt", resolved_at AS "resolvedAt", closed_at AS "closedAt"
       FROM tickets WHERE id = ANY($1) ORDER BY created_at, id`,
      [s.ticketIds],
    );
    const ids = await messageIds(manager, s);
    const rows: Array<Record<string, unknown> & { id: string; direction: string; authorCitizenId: string | null }> = await manager.query(
      `SELECT id, ticket_id AS "ticketId", direction, channel, public, author_citizen_id AS "authorCitizenId", author_name AS "authorName", subject,
              body_text AS "bodyText", body_html AS "bodyHtml", created_at AS "createdAt"
       FROM messages WHERE id = ANY($1::bigint[]) ORDER BY created_at, id`,
      [ids],
    );
    // What someone else wrote on the citizen's tickets (a neighbour in copy, the citizen of a
    // merged duplicate, an automatic reply) is that person's data: it shows that a message came,
    // not who wrote it nor what it said. The citizen's own messages and ours to them stay whole.
    const own = new Set(s.citizenIds.map(String));
    const withheld = new Set<string>();
    const messages = rows.map(({ authorCitizenId, ...m }) => {
      if (m.direction !== 'inbound' || (authorCitizenId !== null && own.has(authorCitizenId))) return m;
      withheld.add(String(m.id));
      const { id, ticketId, direction, channel, public: isPublic, createdAt } = m;
      return { id, ticketId, direction, channel, public: isPublic, createdAt, thirdParty: true, omitted: true, omittedReason: THIRD_PARTY_MESSAGE };
    });
    const attachments: Array<Record<string, unknown>> = await manager.query(
      `SELECT id, message_id AS "messageId", filename, content_type AS "contentType", size_bytes::int AS "sizeBytes",
              omitted, omitted_reason AS "omittedReason", created_at AS "createdAt"
       FROM attachments WHERE message_id = ANY($1::bigint[]) ORDER BY created_at, id`,
      [ids.filter((id) => !withheld.has(id))],
    );
    const events: Array<Record<string, unknown>> = await manager.query(
      `SELECT ticket_id AS "ticketId", type, actor_kind AS "actorKind", from_status AS "fromStatus", to_status AS "toStatus",
              reason, created_at AS "createdAt"
       FROM ticket_events WHERE ticket_id = ANY($1) ORDER BY created_at, id`,
      [s.ticketIds],
    );
    const folio = new Map(tickets.map((t) => [String(t.id), t.folio]));
    return {
      tickets: tickets.map(({ id, ...t }) => ({
        ...t,
        messages: messages
          .filter((m) => String(m.ticketId) === String(id))
          .map(({ ticketId: _t, ...m }) =>
            withheld.has(String(m.id))
              ? m
              : { ...m, attachments: attachments.filter((a) => String(a.messageId) === String(m.id)).map(({ messageId: _m, ...a }) => a) },
          ),
        events: events.filter((e) => String(e.ticketId) === String(id)).map(({ ticketId: _t, ...e }) => e),
      })),
      // messages the citizen wrote on tickets that are not theirs (e.g. merged duplicates)
      otherMessages: messages.filter((m) => !folio.has(String(m.ticketId))).map(({ ticketId: _t, ...m }) => m),
    };
  },
  async erase(manager, s, redactor: Redactor) {
    // the WhatsApp message ids of the citizen's conversations hold their phone number: the ids of
    // their messages and of ours to them (external_id, meta.platformMessageId, platformParts.sent,
    // platformFailure.id), wherever they appear on the thread
    const redact = replacingWamids(redactor, s);
    const tickets: Array<{ id: string; subject: string; description: string; address: string | null; rejection_reason: string | null }> =
      await manager.query(`SELECT id, subject, description, address, rejection_reason FROM tickets WHERE id = ANY($1)`, [s.ticketIds]);
    for (const t of tickets) {
      await manager.query(`UPDATE tickets SET subject = $2, description = $3, address = $4, rejection_reason = $5 WHERE id = $1`, [
        t.id,
        fitColumn(redact.text(t.subject), WIDTH.ticketSubject),
        redact.text(t.description),
        fitColumn(redact.textOrNull(t.address), WIDTH.ticketAddress),
        fitColumn(redact.textOrNull(t.rejection_reason), WIDTH.rejectionReason),
      ]);
    }
    const ids = await messageIds(manager, s);
    const messages: Array<Record<string, string | null> & { id: string; channel: string; external_id: string | null; meta: Record<string, unknown> }> = await manager.query(
      `SELECT id, channel, author_citizen_id, author_name, subject, body_text, body_html, body_new, external_id, delivery_error, meta
       FROM messages WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    for (const m of messages) {
      const authorName = m.author_citizen_id && s.citizenIds.includes(m.author_citizen_id) ? PLACEHOLDERS.name : redact.textOrNull(m.author_name);
      const externalId = await anonymisedExternalId(manager, m, redact);
      await manager.query(
        `UPDATE messages SET author_name = $2, subject = $3, body_text = $4, body_html = $5, body_new = $6,
                external_id = $7, delivery_error = $8, meta = $9 WHERE id = $1`,
        [
          m.id,
          fitColumn(authorName, WIDTH.authorName),
          fitColumn(redact.textOrNull(m.subject), WIDTH.messageSubject),
          redact.text(m.body_text ?? ''),
          redact.textOrNull(m.body_html),
          redact.textOrNull(m.body_new),
          externalId,
          redact.textOrNull(m.delivery_error),
          JSON.stringify(redact.json(m.meta ?? {})),
        ],
      );
    }
    await manager.query(
      `UPDATE attachments SET content = NULL, sha256 = NULL, filename = 'adjunto-eliminado', omitted = true, omitted_reason = $2
       WHERE message_id = ANY($1::bigint[])`,
      [ids, ERASED_ATTACHMENT_REASON],
    );
    const events: Array<{ id: string; reason: string | null; data: Record<string, unknown> }> = await manager.query(
      `SELECT id, reason, data FROM ticket_events WHERE ticket_id = ANY($1)`,
      [s.ticketIds],
    );
    for (const e of events) {
      await manager.query(`UPDATE ticket_events SET reason = $2, data = $3 WHERE id = $1`, [
        e.id,
        fitColumn(redact.textOrNull(e.reason), WIDTH.eventReason),
        JSON.stringify(redact.json(e.data ?? {})),
      ]);
    }
  },
};

/** Tables of the core that hold nothing about citizens. */
export const CORE_TABLES_FREE_OF_PERSONAL_DATA: Array<[string[], string]> = [
  [['areas', 'categories', 'typeorm_migrations'], 'catalog and migrations'],
  [['users'], 'staff accounts, not citizens'],
  [['privacy_notices'], 'the notice text'],
  [['personal_data_access'], 'ids only (user, citizen, folio)'],
  [['ticket_forwarders'], 'which press users forwarded a ticket: ticket and staff ids'],
];
