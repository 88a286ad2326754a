import { leftCodePoints } from '../common/code-points';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { DomainError, notFound } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { CITIZEN_MAIL_KINDS, NOT_SENT_RECTIFIED } from '../notifications/email/email-transport';
import { parseMailbox } from '../notifications/email/mail-address';
import { pickRecipient } from '../notifications/email/notification-plan';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { Ticket } from '../tickets/ticket.entity';
import { CitizenIdentity } from './citizen-identity.entity';
import { Citizen } from './citizen.entity';
import { ListCitizensQuery, UpdateCitizenDto } from './dto/citizen.dto';
import type { IdentityKind } from './identity-kind';
import { normalizeEmail, normalizePhone, phoneTyped } from './normalize-contact';

export interface ContactIdentity {
  kind: IdentityKind;
  value: string;
  handle?: string | null;
  displayName?: string | null;
}

export interface ContactInput {
  name?: string | null;
  identities: ContactIdentity[];
}

/** Normalises raw identities; invalid emails/phones are dropped (the report is still taken). */
export function normalizeIdentities(identities: ContactIdentity[]): ContactIdentity[] {
  const out: ContactIdentity[] = [];
  for (const i of identities) {
    const value =
      i.kind === 'email' ? normalizeEmail(i.value) : i.kind === 'phone' || i.kind === 'whatsapp' ? normalizePhone(i.value) ?? i.value.trim() : i.value.trim();
    if (!value || value.length > 320) continue;
    if (!out.some((o) => o.kind === i.kind && o.value === value)) out.push({ ...i, value });
  }
  return out;
}

const identityKey = (i: { kind: string; value: string }) => `${i.kind}\u0000${i.value}`;

interface CitizenRow {
  id: string;
  name: string | null;
  merged_into_id: string | null;
  anonymised_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
const CITIZEN_COLUMNS = 'id, name, merged_into_id, anonymised_at, created_at, updated_at';

function toCitizen(row: CitizenRow): Citizen {
  return Object.assign(new Citizen(), {
    id: row.id,
    name: row.name,
    mergedIntoId: row.merged_into_id,
    anonymisedAt: row.anonymised_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** What a rectification of the emails did to the citizen's mail (counts only: logged). */
interface RedirectedMail {
  /** queued mails to a removed address now going to the address the notifier writes to */
  readdressed: number;
  /** queued mails to a removed address not sent (no address left to write to) */
  stopped: number;
  /** mails to a removed address being sent right now (claimed by a worker): left alone */
  inFlight: number;
  /** tickets whose status link changed (a removed address had received it) */
  statusLinksRenewed: number;
}

@Injectable()
export class CitizensService {
  private readonly logger = new Logger(CitizensService.name);
  /** never a citizen's recipient (as EmailNotifier): our own addresses */
  private readonly ownAddresses: string[];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Citizen) private readonly citizens: Repository<Citizen>,
    config: AppConfig,
  ) {
    this.ownAddresses = [parseMailbox(config.mailFrom).address, config.mailReplyTo, config.imap?.user]
      .filter((a): a is string => typeof a === 'string' && a.includes('@'))
      .map((a) => a.toLowerCase());
  }

  /**
   * Finds the citizen behind any of these identities, or creates one. Runs inside the caller's
   * transaction; concurrent first messages from the same new sender end on one citizen. The
   * citizen returned is locked FOR KEY SHARE until the caller commits: an anonymisation, a
   * retention run or a merge of it waits for the message to be stored (and then includes it),
   * and a message that waited for one of them lands on a record that can still take it.
   */
  async resolveContact(manager: EntityManager, contact: ContactInput): Promise<Citizen | null> {
    const identities = normalizeIdentities(contact.identities);
    const name = leftCodePoints(contact.name?.trim() ?? '', 200) || null;
    if (identities.length === 0 && !name) return null;
    const { citizen: found, known } = await this.lookUp(manager, identities);
    const isKnown = (i: ContactIdentity) => known.has(identityKey(i));
    let citizen = found;
    let created = false;
    if (!citizen) {
      citizen = await manager.save(Citizen, manager.create(Citizen, { name }));
      created = true;
    } else if (!citizen.name && name) {
      await manager.update(Citizen, citizen.id, { name });
      citizen.name = name;
    }
    let raced = false;
    for (const identity of identities.filter((i) => !isKnown(i))) {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO citizen_identities (citizen_id, kind, value, handle, display_name)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, value) DO NOTHING RETURNING id`,
        [citizen.id, identity.kind, identity.value, identity.handle ?? null, identity.displayName ?? null],
      );
      if (!inserted.length) raced = true;
    }
    if (!raced) return citizen;
    // Another transaction claimed an identity first: follow it so both land on one citizen.
    const owner = await this.findByIdentities(manager, identities);
    if (owner && created && owner.id !== citizen.id) {
      // the record made here goes, not what it was given: the identities it claimed (a phone
      // captured with the email another message claimed first) move to the owner — same
      // (kind, value), so the unique constraint holds — before the delete would cascade them away
      await manager.query(`UPDATE citizen_identities SET citizen_id = $2 WHERE citizen_id = $1`, [citizen.id, owner.id]);
      if (!owner.name && name) {
        await manager.update(Citizen, owner.id, { name });
        owner.name = name;
      }
      await manager.delete(Citizen, { id: citizen.id });
      return owner;
    }
    return owner ?? citizen;
  }

  /**
   * One statement on the common path (a known sender, or a new one): the identities already
   * known, and the citizen of the first of them (in the given order) locked FOR KEY SHARE. A
   * citizen anonymised meanwhile (the lock waited for it; the row read is the one it committed)
   * no longer owns those identities — they hold placeholders now — so the sender is looked up
   * again without it and, usually, is new. A record merged meanwhile is followed to the one it
   * went into; a record deleted meanwhile (the losing side of a race) means looking again.
   */
  private async lookUp(manager: EntityManager, identities: ContactIdentity[]): Promise<{ citizen: Citizen | null; known: Set<string> }> {
    if (!identities.length) return { citizen: null, known: new Set() };
    const passedOver: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows: Array<{ kind: string; value: string; citizen_id: string; anonymised: boolean } & Partial<CitizenRow>> = await manager.query(
        `WITH known AS MATERIALIZED (
           SELECT w.n, i.kind, i.value, i.citizen_id, c.anonymised_at IS NOT NULL AS anonymised
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(kind, value, n)
           JOIN citizen_identities i ON i.kind = w.kind AND i.value = w.value
           JOIN citizens c ON c.id = i.citizen_id
         ),
         owner AS MATERIALIZED (
           SELECT ${CITIZEN_COLUMNS} FROM citizens
           WHERE id = (SELECT k.citizen_id FROM known k WHERE NOT k.anonymised AND NOT (k.citizen_id = ANY($3::uuid[])) ORDER BY k.n LIMIT 1)
           FOR KEY SHARE
         )
         SELECT k.kind, k.value, k.citizen_id, k.anonymised, o.*
         FROM known k LEFT JOIN owner o ON o.id = k.citizen_id
         ORDER BY k.n`,
        [identities.map((i) => i.kind), identities.map((i) => i.value), passedOver],
      );
      // identities of an anonymised record are free again (or about to be): not known
      const live = rows.filter((r) => !r.anonymised && !passedOver.includes(String(r.citizen_id)));
      const known = new Set(live.map(identityKey));
      if (!live.length) return { citizen: null, known };
      const owner = rows.find((r) => r.id);
      if (!owner) continue; // deleted since this statement's snapshot: look again
      let citizen: Citizen | null = toCitizen(owner as CitizenRow);
      if (citizen.mergedIntoId) citizen = await this.followMerges(manager, citizen.mergedIntoId);
      if (citizen && !citizen.anonymisedAt) return { citizen, known };
      passedOver.push(String(owner.citizen_id));
    }
    // nothing that can take the message after a few looks: a new citizen (a claimed identity
    // then races in resolveContact and is followed there)
    return { citizen: null, known: new Set() };
  }

  private async findByIdentities(manager: EntityManager, identities: ContactIdentity[]): Promise<Citizen | null> {
    for (const identity of identities) {
      const found = await manager.findOne(CitizenIdentity, { where: { kind: identity.kind, value: identity.value } });
      if (!found) continue;
      const citizen = await this.followMerges(manager, found.citizenId);
      if (citizen && !citizen.anonymisedAt) return citizen;
    }
    return null;
  }

  /** This record, or the one it was merged into (following merges), locked FOR KEY SHARE. */
  private async followMerges(manager: EntityManager, id: string): Promise<Citizen | null> {
    let citizen = await this.lockCitizen(manager, id);
    for (let hops = 0; citizen?.mergedIntoId && hops < 10; hops++) {
      citizen = await this.lockCitizen(manager, citizen.mergedIntoId);
    }
    return citizen;
  }

  private async lockCitizen(manager: EntityManager, id: string): Promise<Citizen | null> {
    const [row]: CitizenRow[] = await manager.query(`SELECT ${CITIZEN_COLUMNS} FROM citizens WHERE id = $1 FOR KEY SHARE`, [id]);
    return row ? toCitizen(row) : null;
  }

  async list(query: ListCitizensQuery) {
    const qb = this.citizens
      .createQueryBuilder('c')
      .leftJoinAndSelect('c.identities', 'i')
      .where('c.merged_into_id IS NULL')
      .orderBy('c.created_at', 'DESC')
      .take(query.limit ?? 25);
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      // a phone as agents type it ("(444) 123-4567", "+52 444 123 4567") is stored in E.164
      const phone = phoneTyped(query.q);
      qb.andWhere(
        `(f_unaccent(c.name) ILIKE f_unaccent(:like) OR EXISTS (
           SELECT 1 FROM citizen_identities s WHERE s.citizen_id = c.id
             AND (s.value ILIKE :like OR s.handle ILIKE :like OR f_unaccent(s.display_name) ILIKE f_unaccent(:like) OR s.value = :phone)))`,
        { like, phone: phone ?? '' },
      );
    }
    if (query.kind) qb.andWhere('EXISTS (SELECT 1 FROM citizen_identities k WHERE k.citizen_id = c.id AND k.kind = :kind)', { kind: query.kind });
    return qb.getMany();
  }

  async get(id: string) {
    const citizen = await this.citizens.findOne({ where: { id }, relations: { identities: true } });
    if (!citizen) throw notFound('Citizen');
    const tickets = await this.dataSource.getRepository(Ticket).find({
      where: { citizenId: id },
      select: { id: true, folio: true, subject: true, status: true, channel: true, createdAt: true },
      order: { createdAt: 'DESC' },
      take: 100,
    });
    return { ...citizen, tickets: tickets.map(({ id: _internal, ...t }) => t) };
  }

  /**
   * Rectification (ARCO): name, and the full set of emails and phones. The emails given are taken
   * as confirmed (their undeliverable mark goes). Mail still queued to an email that is removed
   * goes to the address the notifier now writes to, or is not sent when there is none; a ticket
   * whose status link a removed address received gets a new link (the old one stops working).
   */
  async update(id: string, dto: UpdateCitizenDto, actor?: { id: string }) {
    let redirected: RedirectedMail | null = null;
    await this.dataSource.transaction(async (manager) => {
      const citizen = await manager.findOne(Citizen, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!citizen) throw notFound('Citizen');
      if (citizen.anonymisedAt) throw new DomainError('CONFLICT', 'Citizen data was anonymised');
      if (dto.name !== undefined) await manager.update(Citizen, id, { name: dto.name.trim() || null });
      const replace = async (kind: 'email' | 'phone', raw: string[] | undefined) => {
        if (raw === undefined) return;
        const values = raw.map((v) => (kind === 'email' ? normalizeEmail(v) : normalizePhone(v)));
        const bad = raw.filter((_, i) => !values[i]);
        if (bad.length) {
          throw new DomainError('VALIDATION', `Invalid ${kind}`, [{ field: `${kind}s`, errors: bad.map((b) => `invalid ${kind}: ${b}`) }]);
        }
        const taken = await manager.find(CitizenIdentity, { where: { kind, value: In(values as string[]) } });
        const foreign = taken.filter((t) => t.citizenId !== id);
        if (foreign.length) throw new DomainError('CONFLICT', `${kind} belongs to another citizen; merge the two citizens instead`);
        const removed: Array<{ value: string }> = await manager.query(
          `WITH removed AS (DELETE FROM citizen_identities WHERE citizen_id = $1 AND kind = $2 AND NOT (value = ANY($3)) RETURNING value)
           SELECT value FROM removed`,
          [id, kind, values],
        );
        for (const value of values) {
          await manager.query(
            `INSERT INTO citizen_identities (citizen_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT (kind, value) DO NOTHING`,
            [id, kind, value],
          );
        }
        return removed.map((r) => r.value);
      };
      const removedEmails = await replace('email', dto.emails);
      await replace('phone', dto.phones);
      if (dto.emails !== undefined) {
        // staff confirmed these addresses (the same value again, or a new one): deliverable
        await manager.query(
          `UPDATE citizen_identities SET undeliverable = false WHERE citizen_id = $1 AND kind = 'email' AND undeliverable`,
          [id],
        );
      }
      if (removedEmails?.length) redirected = await this.redirectQueuedMail(manager, id, removedEmails, actor);
    });
    this.logger.log({ citizenId: id, ...(redirected ?? {}) }, 'citizen rectified');
    return this.get(id);
  }

  /**
   * Mail of this citizen's tickets still queued to removed addresses: re-addressed to the address
   * the notifier would now pick, or failed (shown on the thread) when there is none. A row a worker
   * holds (lease not run out) is being sent and is left alone; should its send not have started
   * yet, EmailTransport refuses it (the address is no longer the citizen's). Runs in the
   * rectification's transaction, before anything else of it is visible to the workers.
   */
  private async redirectQueuedMail(manager: EntityManager, citizenId: string, removed: string[], actor?: { id: string }): Promise<RedirectedMail> {
    const kinds = [...CITIZEN_MAIL_KINDS];
    // tickets whose status link reached (or may have reached) a removed address: any attempt made
    const exposed: Array<{ id: string; public_token: string }> = await manager.query(
      `SELECT t.id, t.public_token FROM tickets t
       WHERE t.citizen_id = $1 AND EXISTS (
         SELECT 1 FROM outbox o WHERE o.ticket_id = t.id AND o.channel = 'email' AND o.kind = ANY($3)
           AND lower(o.recipient) = ANY($2) AND o.attempts > 0)
       ORDER BY t.id
       FOR UPDATE OF t`,
      [citizenId, removed, kinds],
    );
    const [{ n: inFlight }]: Array<{ n: number }> = await manager.query(
      `SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id
       WHERE t.citizen_id = $1 AND o.channel = 'email' AND o.kind = ANY($3) AND o.state = 'queued'
         AND lower(o.recipient) = ANY($2) AND o.locked_until >= now()`,
      [citizenId, removed, kinds],
    );
    const emails: Array<{ value: string; undeliverable: boolean }> = await manager.query(
      `SELECT value, undeliverable FROM citizen_identities WHERE citizen_id = $1 AND kind = 'email' ORDER BY created_at DESC, value`,
      [citizenId],
    );
    const choice = pickRecipient(emails, this.ownAddresses);
    // queued and not held by a worker (the claim condition): this statement's row locks keep a
    // worker's claim off them until commit, and a claim that won first is skipped here
    const waiting = `FROM tickets t WHERE t.id = o.ticket_id AND t.citizen_id = $1 AND o.channel = 'email' AND o.kind = ANY($3)
         AND o.state = 'queued' AND (o.locked_until IS NULL OR o.locked_until < now()) AND lower(o.recipient) = ANY($2)`;
    let readdressed = 0;
    let stopped = 0;
    if ('address' in choice) {
      const rows: unknown[] = await manager.query(
        `WITH moved AS (
           UPDATE outbox o SET recipient = $4, locked_by = NULL, locked_until = NULL, updated_at = now()
           ${waiting}
           RETURNING o.id
         )
         SELECT * FROM moved`,
        [citizenId, removed, kinds, choice.address],
      );
      readdressed = rows.length;
    } else {
      const rows: unknown[] = await manager.query(
        `WITH failed AS (
           UPDATE outbox o SET state = 'failed', last_error = $4, locked_by = NULL, locked_until = NULL, updated_at = now()
           ${waiting}
           RETURNING o.message_id, o.attempts
         ),
         shown AS (
           UPDATE messages m SET delivery_state = 'failed', delivery_attempts = f.attempts, delivery_error = $4
           FROM failed f WHERE m.id = f.message_id
           RETURNING m.id
         )
         SELECT 1 FROM failed`,
        [citizenId, removed, kinds, NOT_SENT_RECTIFIED],
      );
      stopped = rows.length;
    }
    // a removed address (someone else's, mistyped) could keep reading the status page: a new link.
    // Mail still waiting for these tickets carries the new one; every later mail does too.
    for (const ticket of exposed) {
      const token = randomBytes(32).toString('base64url');
      await manager.query(`UPDATE tickets SET public_token = $2 WHERE id = $1`, [ticket.id, token]);
      await manager.query(
        `UPDATE outbox SET payload = replace(payload::text, $2, $3)::jsonb, updated_at = now()
         WHERE ticket_id = $1 AND state = 'queued' AND (locked_until IS NULL OR locked_until < now())
           AND strpos(payload::text, $2) > 0`,
        [ticket.id, ticket.public_token, token],
      );
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
        type: 'status_link_renewed',
        actorKind: actor ? 'user' : 'system',
        actorUserId: actor?.id ?? null,
        reason: 'email address rectified',
        data: {},
      });
    }
    return { readdressed, stopped, inFlight, statusLinksRenewed: exposed.length };
  }

  /**
   * Two records of the same person: identities and tickets move to the survivor. Both rows are
   * locked in one statement, in id order (as the ticket merge does), so two merges of the same
   * pair in opposite directions queue on the first row instead of deadlocking: one merges, the
   * other then finds the record merged (409). What is checked is read from the locked rows.
   */
  async merge(rawId: string, rawIntoId: string) {
    // a uuid written in capitals is the same record: compared (and matched to rows) in lower case
    const id = rawId.toLowerCase();
    const intoId = rawIntoId.toLowerCase();
    if (id === intoId) throw new DomainError('VALIDATION', 'A citizen cannot be merged into itself', [{ field: 'intoCitizenId', errors: ['same citizen'] }]);
    await this.dataSource.transaction(async (manager) => {
      const rows: CitizenRow[] = await manager.query(
        `SELECT ${CITIZEN_COLUMNS} FROM citizens WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`,
        [id, intoId],
      );
      const locked = rows.map(toCitizen);
      const a = locked.find((c) => c.id === id);
      const b = locked.find((c) => c.id === intoId);
      if (!a) throw notFound('Citizen');
      if (!b) throw notFound('Target citizen');
      if (a.mergedIntoId || b.mergedIntoId) throw new DomainError('CONFLICT', 'Citizen was already merged');
      // an anonymised record takes no data (it could never be anonymised, rectified or retained
      // again) and gives none (its placeholders are nobody's contact)
      if (a.anonymisedAt) throw new DomainError('CONFLICT', 'Citizen data was anonymised');
      if (b.anonymisedAt) throw new DomainError('CONFLICT', 'Target citizen data was anonymised');
      await manager.query(`UPDATE citizen_identities SET citizen_id = $2 WHERE citizen_id = $1`, [id, intoId]);
      await manager.query(`UPDATE tickets SET citizen_id = $2 WHERE citizen_id = $1`, [id, intoId]);
      await manager.query(`UPDATE messages SET author_citizen_id = $2 WHERE author_citizen_id = $1`, [id, intoId]);
      await manager.update(Citizen, id, { mergedIntoId: intoId });
      if (!b.name && a.name) await manager.update(Citizen, intoId, { name: a.name });
    });
    this.logger.log({ citizenId: id, intoCitizenId: intoId }, 'citizens merged');
    return this.get(intoId);
  }
}
