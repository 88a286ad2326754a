// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { FakePlatforms } from '../support/fake-platforms';
import { META_APP_SECRET, whatsappWebhook, wamidFor, decodedWamids, waContact, waText, socialPlatformEnv } from '../support/social-payloads';
import { settleSocialQueue } from '../support/settle-social-queue';
import { createHash } from 'node:crypto';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { IntakeService } from '../../src/intake/intake.service';
import { signMetaBody } from '../../src/intake/social/webhook-signature';
import { pseudonymousWamid } from '../../src/intake/social/social-events-personal-data';


describe('anonymised citizens and their social deliveries', () => {
  let t: TestApp;
  let fake: FakePlatforms;
  let supervisor: { auth: Record<string, string> };

  beforeAll(async () => {
    fake = await new FakePlatforms().start();
    t = await startTestApp(socialPlatformEnv(fake));
    supervisor = await t.user('supervisor');
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const postMeta = (body: unknown) => {
    const raw = JSON.stringify(body);
    return t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', signMetaBody(raw, META_APP_SECRET)).send(raw).expect(200);
  };
  const messageOf = async (externalId: string): Promise<{ id: string; ticket_id: string; citizen_id: string }> =>
    (
      await t.db.query(`SELECT m.id, m.ticket_id, t.citizen_id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.channel = 'whatsapp' AND m.external_id = $1`, [
        externalId,
      ])
    )[0];
  const anonymise = (citizenId: string) =>
    t.http().post(`/api/v1/citizens/${citizenId}/anonymise`).set(supervisor.auth).send({ reason: 'Solicitud ARCO UT/2026/0077' }).expect(200);
  const insertMessage = async (ticketId: string, direction: 'inbound' | 'outbound', externalId: string, meta: Record<string, unknown> = {}) =>
    String(
      (
        await t.db.query(
          `INSERT INTO messages (ticket_id, direction, channel, body_text, external_id, meta, delivery_state) VALUES ($1, $2, 'whatsapp', $3, $4, $5, $6) RETURNING id`,
          [ticketId, direction, direction === 'outbound' ? 'Gracias, ya enviamos una cuadrilla' : 'Otro mensaje', externalId, JSON.stringify(meta), direction === 'outbound' ? 'failed' : null],
        )
      )[0].id,
    );
  const messageRow = async (id: string): Promise<{ external_id: string; meta: Record<string, unknown> }> =>
    (await t.db.query(`SELECT external_id, meta FROM messages WHERE id = $1`, [id]))[0];

  describe('WhatsApp message ids on the thread', () => {
    it('replaces the wamids that hold the citizen\'s number in external ids and meta, with the pseudonym of the raw deliveries', async () => {
      const waId = '5214445550601';
      const theirs = wamidFor(waId);
      const ours = wamidFor(waId); // our reply, in two parts; WhatsApp reported the second as not delivered
      const ourSecondPart = wamidFor(waId);
      const earlier = wamidFor(waId); // stored with a ':<n>' suffix
      const stranger = wamidFor('5214445550699'); // someone else's message on the same ticket (a merged duplicate)
      await postMeta(
        whatsappWebhook({
          contacts: [waContact(waId, 'Rubén Ávila')],
          messages: [{ ...waText(waId, theirs, 'Sigue la fuga en la calle Zaragoza'), context: { from: '524448340000', id: ours } }],
        }),
      );
      await settleSocialQueue(t);
      const inbound = await messageOf(theirs);
      const reply = await insertMessage(inbound.ticket_id, 'outbound', ours, {
        reply: true,
        platformMessageId: ours,
        platformParts: { total: 2, sent: [ours, ourSecondPart] },
        platformFailure: { id: ourSecondPart, codes: [131047], title: 'Re-engagement message', at: new Date().toISOString() },
      });
      const suffixed = await insertMessage(inbound.ticket_id, 'inbound', `${earlier}:2`);
      const others = await insertMessage(inbound.ticket_id, 'inbound', stranger);
      // (what the defect left: the phone number is one base64 decode away)
      expect(decodedWamids(JSON.stringify(await messageRow(reply))).every((d) => d.includes(waId))).toBe(true);

      await anonymise(inbound.citizen_id);

      const thread: Array<{ id: string; external_id: string; meta: unknown }> = await t.db.query(`SELECT id, external_id, meta FROM messages WHERE ticket_id = $1 ORDER BY id`, [
        inbound.ticket_id,
      ]);
      const text = JSON.stringify(thread);
      for (const id of [theirs, ours, ourSecondPart, earlier]) expect(text).not.toContain(id.slice(6));
      expect(decodedWamids(text).filter((d) => d.includes(waId) || d.includes(waId.slice(3)))).toEqual([]);
      expect(thread.find((m) => m.id === inbound.id)?.external_id).toBe(pseudonymousWamid(theirs));
      expect(await messageRow(reply)).toEqual({
        external_id: pseudonymousWamid(ours),
        meta: expect.objectContaining({
          reply: true,
          platformMessageId: pseudonymousWamid(ours),
          platformParts: { total: 2, sent: [pseudonymousWamid(ours), pseudonymousWamid(ourSecondPart)] },
          platformFailure: expect.objectContaining({ id: pseudonymousWamid(ourSecondPart), codes: [131047] }),
        }),
      });
      // the suffix that kept (channel, external_id) unique stays; someone else's id stays as it was
      expect((await messageRow(suffixed)).external_id).toBe(`${pseudonymousWamid(earlier)}:2`);
      expect((await messageRow(others)).external_id).toBe(stranger);
      // the same pseudonym as the stored raw delivery: one message, one id
      const [{ body }] = await t.db.query(`SELECT convert_from(body, 'UTF8') AS body FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1`, [
        `%${pseudonymousWamid(theirs)}%`,
      ]);
      expect(body).toContain(pseudonymousWamid(ours)); // (context.id)
    });

    it('keeps (channel, external_id) unique when the pseudonym is already taken (a redelivery that came in again after an anonymisation)', async () => {
      const waId = '5214445550602';
      const first = wamidFor(waId);
      await postMeta(whatsappWebhook({ contacts: [waContact(waId, 'Marta Iñiguez')], messages: [waText(waId, first, 'Poste caído en Himno Nacional')] }));
      await settleSocialQueue(t);
      const a = await messageOf(first);
      await anonymise(a.citizen_id);
      expect((await messageRow(a.id)).external_id).toBe(pseudonymousWamid(first));

      // the same number writes again: a new citizen; its message stands for the earlier one stored again
      const second = wamidFor(waId);
      await postMeta(whatsappWebhook({ contacts: [waContact(waId, 'Marta Iñiguez')], messages: [waText(waId, second, 'Sigue caído el poste')] }));
      await settleSocialQueue(t);
      const b = await messageOf(second);
      expect(b.citizen_id).not.toBe(a.citizen_id);
      await t.db.query(`UPDATE messages SET external_id = $2 WHERE id = $1`, [b.id, first]);

      await anonymise(b.citizen_id);
      expect((await messageRow(b.id)).external_id).toBe(`${pseudonymousWamid(first)}:${b.id}`);
      expect((await messageRow(a.id)).external_id).toBe(pseudonymousWamid(first));
    });
  });

  describe('WhatsApp message ids outside the thread', () => {
    it("replaces the citizen's wamids in outbox.external_id and in social_events.result with their pseudonym", async () => {
      const waId = '5214445550621';
      const [theirs, poisoned, ours, oursSuffixed] = [wamidFor(waId), wamidFor(waId), wamidFor(waId), wamidFor(waId)];
      const stranger = wamidFor('5214445550629');
      const intake = t.app.get(IntakeService);
      const original = intake.receiveIn.bind(intake);
      const spy = jest.spyOn(intake, 'receiveIn').mockImplementation((manager, inbound, options) =>
        inbound.externalId === poisoned ? Promise.reject(new RangeError('Invalid time value')) : original(manager, inbound, options),
      );
      try {
        await postMeta(
          whatsappWebhook({
            contacts: [waContact(waId, 'Olga Cervantes')],
            messages: [waText(waId, theirs, 'Luminaria apagada en la calle Reforma'), waText(waId, poisoned, 'Sigue apagada')],
          }),
        );
        await settleSocialQueue(t);
      } finally {
        spy.mockRestore();
      }
      const inbound = await messageOf(theirs);
      const [{ id: eventId, result: before }] = await t.db.query(`SELECT id, result FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1`, [`%${theirs.slice(6)}%`]);
      expect(before.failures).toEqual([expect.objectContaining({ externalId: poisoned })]);
      const outboxRow = async (externalId: string) =>
        String(
          (
            await t.db.query(
              `INSERT INTO outbox (channel, kind, ticket_id, recipient, external_id, payload, state, sent_at) VALUES ('whatsapp', 'reply', $1, $2, $3, '{}', 'sent', now()) RETURNING id`,
              [inbound.ticket_id, waId, externalId],
            )
          )[0].id,
        );
      const [plain, suffixed, others] = [await outboxRow(ours), await outboxRow(`${oursSuffixed}:2`), await outboxRow(stranger)];
      const externalIdOf = async (id: string) => (await t.db.query(`SELECT external_id FROM outbox WHERE id = $1`, [id]))[0].external_id as string;

      await anonymise(inbound.citizen_id);

      expect(await externalIdOf(plain)).toBe(pseudonymousWamid(ours));
      expect(await externalIdOf(suffixed)).toBe(`${pseudonymousWamid(oursSuffixed)}:2`);
      expect(await externalIdOf(others)).toBe(stranger);
      const [{ result }] = await t.db.query(`SELECT result FROM social_events WHERE id = $1`, [eventId]);
      expect(result.failures).toEqual([expect.objectContaining({ externalId: pseudonymousWamid(poisoned) })]);
      expect(result.outcomes).toEqual(before.outcomes);
      expect(decodedWamids(JSON.stringify(result)).filter((d) => d.includes(waId))).toEqual([]);
    });
  });

  describe('a redelivery by Meta of a message processed before the anonymisation', () => {
    it('is a duplicate: no new citizen, ticket or message with the person\'s data', async () => {
      const waId = '5214445550631';
      const wamid = wamidFor(waId);
      const delivery = whatsappWebhook({ contacts: [waContact(waId, 'Tomás Rangel')], messages: [waText(waId, wamid, 'Árbol caído en la calle Hidalgo')] });
      await postMeta(delivery);
      await settleSocialQueue(t);
      const { citizen_id: citizenId } = await messageOf(wamid);
      await anonymise(citizenId);
      const counts = async () =>
        (
          await t.db.query(
            `SELECT (SELECT count(*)::int FROM citizens) AS citizens, (SELECT count(*)::int FROM tickets) AS tickets, (SELECT count(*)::int FROM messages) AS messages`,
          )
        )[0];
      const before = await counts();

      await postMeta(delivery); // the same delivery again
      await settleSocialQueue(t);

      expect(await counts()).toEqual(before);
      expect(await messageOf(wamid)).toBeUndefined();
      expect(await t.db.query(`SELECT count(*)::int AS n FROM citizen_identities WHERE value LIKE $1 OR display_name = 'Tomás Rangel'`, [`%${waId.slice(3)}%`])).toEqual([
        { n: 0 },
      ]);
      const events: Array<{ result: { outcomes?: Record<string, number> } }> = await t.db.query(
        `SELECT result FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1 ORDER BY id`,
        [`%${wamid.slice(6)}%`],
      );
      expect(events.map((e) => e.result.outcomes)).toEqual([{ duplicate: 1 }]);
    });
  });

  describe('OpenAPI', () => {
    it('documents the 409 of the retry of a redacted delivery', () => {
      const doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().build());
      const responses = (doc.paths['/api/v1/intake/social-events/{id}/retry'].post?.responses ?? {}) as Record<string, { description?: string }>;
      expect(responses['409']?.description).toMatch(/anonymised/);
    });
  });

  describe('an admin retry of a delivery an anonymisation redacted', () => {
    let admin: Record<string, string>;
    beforeAll(async () => {
      admin = (await t.user('admin')).auth;
    });
    type Problem = { id: string; status: string; retryable: boolean; notRetryableReason: string | null; lastError: string | null };
    const problem = async (id: string): Promise<Problem | undefined> =>
      ((await t.http().get('/api/v1/intake/social-events/problems').set(admin).expect(200)).body as Problem[]).find((p) => p.id === id);
    /** what a retry of a redacted body makes: a citizen or a message out of the placeholders */
    const placeholderRecords = async () =>
      (
        await t.db.query(
          `SELECT (SELECT count(*)::int FROM citizen_identities WHERE value LIKE '[%' OR display_name LIKE '[%')
                + (SELECT count(*)::int FROM messages WHERE direction = 'inbound' AND (body_text LIKE '%eliminado]%' OR author_name LIKE '[%')) AS n`,
        )
      )[0].n as number;

    it('refuses (409) a delivery still waiting when the citizen was anonymised, and lists it as not retryable', async () => {
      const waId = '5214445550611';
      const first = wamidFor(waId);
      await postMeta(whatsappWebhook({ contacts: [waContact(waId, 'Gerardo Ledesma')], messages: [waText(waId, first, 'Fuga de agua en la calle Aldama')] }));
      await settleSocialQueue(t);
      const { citizen_id: citizenId } = await messageOf(first);
      // a later message of theirs, stored and not processed yet (due later)
      const raw = JSON.stringify(
        whatsappWebhook({ contacts: [waContact(waId, 'Gerardo Ledesma')], messages: [waText(waId, wamidFor(waId), 'Soy Gerardo Ledesma, 444 555 0611: sigue la fuga')] }),
      );
      const [{ id }] = await t.db.query(
        `INSERT INTO social_events (platform, body, body_sha256, next_attempt_at) VALUES ('meta', $1, $2, now() + interval '1 hour') RETURNING id`,
        [Buffer.from(raw), createHash('sha256').update(raw).digest('hex')],
      );
      const eventId = String(id);
      await anonymise(citizenId);
      const before = await placeholderRecords();

      expect(await problem(eventId)).toMatchObject({ status: 'failed', retryable: false, notRetryableReason: expect.stringMatching(/anonimizados/) });
      const res = await t.http().post(`/api/v1/intake/social-events/${eventId}/retry`).set(admin).expect(409);
      expect(res.body.message).toMatch(/anonymised/);
      await settleSocialQueue(t);
      expect(await placeholderRecords()).toBe(before);
      expect(await t.db.query(`SELECT status FROM social_events WHERE id = $1`, [eventId])).toEqual([{ status: 'failed' }]);
    });

    it('refuses (409) a processed delivery with a message that could not be stored, once redacted; others stay retryable', async () => {
      const [waId, otherWaId] = ['5214445550612', '5214445550613'];
      const [stored, poisoned, otherStored, otherPoisoned] = [wamidFor(waId), wamidFor(waId), wamidFor(otherWaId), wamidFor(otherWaId)];
      const intake = t.app.get(IntakeService);
      const original = intake.receiveIn.bind(intake);
      const spy = jest.spyOn(intake, 'receiveIn').mockImplementation((manager, inbound, options) =>
        [poisoned, otherPoisoned].includes(inbound.externalId) ? Promise.reject(new RangeError('Invalid time value')) : original(manager, inbound, options),
      );
      const eventOf = async (wamid: string) => String((await t.db.query(`SELECT id FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1`, [`%${wamid.slice(6)}%`]))[0].id);
      try {
        await postMeta(
          whatsappWebhook({
            contacts: [waContact(waId, 'Leticia Zamarripa')],
            messages: [waText(waId, stored, 'Bache en Av. Salvador Nava'), waText(waId, poisoned, 'Soy Leticia Zamarripa, el bache sigue')],
          }),
        );
        await postMeta(
          whatsappWebhook({
            contacts: [waContact(otherWaId, 'Ignacio Berrones')],
            messages: [waText(otherWaId, otherStored, 'Basura en el jardín Colón'), waText(otherWaId, otherPoisoned, 'Siguen sin recogerla')],
          }),
        );
        await settleSocialQueue(t);
      } finally {
        spy.mockRestore();
      }
      const [eventId, otherEventId] = [await eventOf(stored), await eventOf(otherStored)];
      expect(await problem(eventId)).toMatchObject({ status: 'done', retryable: true, notRetryableReason: null });

      await anonymise((await messageOf(stored)).citizen_id);
      const before = await placeholderRecords();
      expect(await problem(eventId)).toMatchObject({ status: 'done', retryable: false, notRetryableReason: expect.stringMatching(/anonimizados/) });
      await t.http().post(`/api/v1/intake/social-events/${eventId}/retry`).set(admin).expect(409);
      await settleSocialQueue(t);
      expect(await placeholderRecords()).toBe(before);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE channel = 'whatsapp' AND external_id LIKE '%eliminado%'`)).toEqual([{ n: 0 }]);

      // someone else's delivery is retried as before; nothing there to retry is still a 404
      expect(await problem(otherEventId)).toMatchObject({ status: 'done', lastError: null, retryable: true, notRetryableReason: null });
      await t.http().post(`/api/v1/intake/social-events/${otherEventId}/retry`).set(admin).expect(200);
      await settleSocialQueue(t);
      expect(await messageOf(otherPoisoned)).toBeDefined();
      await t.http().post(`/api/v1/intake/social-events/${otherEventId}/retry`).set(admin).expect(404);
      await t.http().post('/api/v1/intake/social-events/999999999/retry').set(admin).expect(404);
    });
  });
});
