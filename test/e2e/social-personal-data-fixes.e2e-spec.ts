// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { FakePlatforms, PNG_1PX } from '../support/fake-platforms';
import { META_APP_SECRET, TELEGRAM_SECRET, telegramUpdate, whatsappWebhook, nextTestId, wamidFor, decodedWamids, waContact, waText, socialPlatformEnv } from '../support/social-payloads';
import { settleSocialQueue } from '../support/settle-social-queue';
import { signMetaBody } from '../../src/intake/social/webhook-signature';

/**
 * The JSON text Meta sends: every non-ASCII character written as a \uXXXX escape and "/" as "\/"
 * (what PHP's json_encode does by default), signed over those exact bytes.
 */
function asMetaSendsIt(body: unknown): string {
  return JSON.stringify(body)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}


const unixNow = () => String(Math.floor(Date.now() / 1000));

describe('social deliveries and personal data (ARCO export, anonymisation)', () => {
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

  const postMetaRaw = (raw: string) =>
    t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', signMetaBody(raw, META_APP_SECRET)).send(raw).expect(200);
  const citizenOfMessage = async (channel: string, externalId: string): Promise<string> =>
    (await t.db.query(`SELECT t.citizen_id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.channel = $1 AND m.external_id = $2`, [channel, externalId]))[0]
      .citizen_id;
  const storedBody = async (like: string): Promise<string> => {
    const rows: Array<{ body: string }> = await t.db.query(`SELECT convert_from(body, 'UTF8') AS body FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1`, [
      `%${like}%`,
    ]);
    expect(rows).toHaveLength(1);
    return rows[0].body;
  };
  const anonymise = (citizenId: string) =>
    t.http().post(`/api/v1/citizens/${citizenId}/anonymise`).set(supervisor.auth).send({ reason: 'Solicitud ARCO UT/2026/0042' }).expect(200);

  describe('ARCO export of raw deliveries', () => {
    const exportOf = async (citizenId: string) => (await t.http().get(`/api/v1/citizens/${citizenId}/export`).set(supervisor.auth).expect(200)).body;

    it('gives only the parts of a batched WhatsApp delivery that concern the citizen', async () => {
      const [a, b] = ['5214445550301', '5214445550302'];
      const [wamidA, wamidB] = [nextTestId('wamid.BATCH.A'), nextTestId('wamid.BATCH.B')];
      await postMetaRaw(
        asMetaSendsIt(
          whatsappWebhook({
            contacts: [waContact(a, 'Ana Solís'), waContact(b, 'Bernardo Quiñones')],
            messages: [waText(a, wamidA, 'Hay un bache en Himno Nacional'), waText(b, wamidB, 'Mi vecina Carmen tira basura en el camellón')],
          }),
        ),
      );
      await settleSocialQueue(t);
      const citizenA = await citizenOfMessage('whatsapp', wamidA);
      expect(await citizenOfMessage('whatsapp', wamidB)).not.toBe(citizenA);

      const exported = await exportOf(citizenA);
      const text = JSON.stringify(exported.socialEvents);
      expect(text).toContain(wamidA);
      for (const other of [b, wamidB, 'Bernardo', 'Quiñones', 'Qui\\u00f1ones', 'Carmen']) expect(text).not.toContain(other);
      const events = exported.socialEvents.filter((e: { delivery: unknown }) => JSON.stringify(e.delivery).includes(wamidA));
      expect(events).toHaveLength(1);
      const value = events[0].delivery.entry[0].changes[0].value;
      expect(value.contacts).toEqual([{ profile: { name: 'Ana Solís' }, wa_id: a }]);
      expect(value.messages).toEqual([expect.objectContaining({ from: a, id: wamidA, text: { body: 'Hay un bache en Himno Nacional' } })]);
    });

    it('gives only the citizen\'s events of a batched Messenger delivery', async () => {
      const [a, b] = ['7700111000401', '7700111000402'];
      const event = (psid: string, mid: string, text: string) => ({ sender: { id: psid }, recipient: { id: 'PAGE-SLP' }, timestamp: Date.now(), message: { mid, text } });
      const [midA, midB, midB2] = [nextTestId('m_batch_a'), nextTestId('m_batch_b'), nextTestId('m_batch_b2')];
      await postMetaRaw(
        asMetaSendsIt({
          object: 'page',
          entry: [
            { id: 'PAGE-SLP', time: Date.now(), messaging: [event(a, midA, 'Fuga en la calle Reforma'), event(b, midB, 'Soy Beatriz Núñez, tel. 444 777 8899')] },
            { id: 'PAGE-SLP', time: Date.now(), messaging: [event(b, midB2, 'Otra cosa de Beatriz')] },
          ],
        }),
      );
      await settleSocialQueue(t);
      const exported = await exportOf(await citizenOfMessage('messenger', midA));
      const text = JSON.stringify(exported.socialEvents);
      expect(text).toContain('Fuga en la calle Reforma');
      for (const other of [b, midB, midB2, 'Beatriz', '777 8899']) expect(text).not.toContain(other);
      const mine = exported.socialEvents.filter((e: { delivery: unknown }) => JSON.stringify(e.delivery).includes(midA));
      expect(mine).toHaveLength(1);
      expect(mine[0].delivery).toEqual({ object: 'page', entry: [{ id: 'PAGE-SLP', time: expect.any(Number), messaging: [expect.objectContaining({ sender: { id: a } })] }] });
    });
  });

  describe('anonymisation of raw deliveries', () => {
    it('redacts accented names and words that Meta sent as \\u escapes', async () => {
      const waId = '5214445550101';
      const wamid = nextTestId('wamid.ACCENTS');
      const raw = asMetaSendsIt(
        whatsappWebhook({
          contacts: [waContact(waId, 'José Pérez Ibáñez')],
          messages: [waText(waId, wamid, 'Soy José Pérez Ibáñez: la lámpara de la calle está apagada, ver https://maps.example/poste-101')],
        }),
      );
      expect(raw).toContain('Jos\\u00e9 P\\u00e9rez Ib\\u00e1\\u00f1ez'); // as Meta writes it
      await postMetaRaw(raw);
      await settleSocialQueue(t);
      const citizenId = await citizenOfMessage('whatsapp', wamid);
      const [{ name }] = await t.db.query(`SELECT name FROM citizens WHERE id = $1`, [citizenId]);
      expect(name).toBe('José Pérez Ibáñez');

      await anonymise(citizenId);
      const after = await storedBody('poste-101');
      // neither escaped nor decoded
      expect(after).not.toMatch(/Jos\\u00e9|P\\u00e9rez|Ib\\u00e1\\u00f1ez/);
      const text = JSON.stringify(JSON.parse(after)); // (JSON.stringify writes the accents out)
      for (const word of ['José', 'Pérez', 'Ibáñez', waId]) expect(text).not.toContain(word);
      // still the delivery: what is not personal stays
      const parsed = JSON.parse(after);
      const message = parsed.entry[0].changes[0].value.messages[0];
      expect(message.text.body).toMatch(/^Soy \[nombre eliminado\]: la lámpara de la calle está apagada, ver https:\/\/maps\.example\/poste-101$/);
      expect(parsed.entry[0].changes[0].value.contacts[0].profile.name).not.toMatch(/Jos|P.rez/);
    });

    it('replaces the wamids of the citizen\'s conversations, which hold their phone number', async () => {
      const waId = '5214445550202';
      const mine = wamidFor(waId);
      const ours = wamidFor(waId); // a message of ours to them, which their reply quotes
      const statusId = wamidFor(waId);
      const stranger = '5214445550999';
      const theirs = wamidFor(stranger);
      expect(decodedWamids(mine)[0]).toContain(waId); // (what the reviewer saw in Meta's sample)
      await postMetaRaw(
        asMetaSendsIt(
          whatsappWebhook({
            contacts: [waContact(waId, 'Rubén Ávila'), waContact(stranger, 'Otra Persona')],
            messages: [{ ...waText(waId, mine, 'Sigue la fuga'), context: { from: '524448340000', id: ours } }, waText(stranger, theirs, 'Otro reporte')],
          }),
        ),
      );
      const statuses = {
        object: 'whatsapp_business_account',
        entry: [{ id: 'WABA-SLP', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: 'PN-SLP' }, statuses: [{ id: statusId, status: 'read', timestamp: unixNow(), recipient_id: waId }] } }] }],
      };
      await postMetaRaw(asMetaSendsIt(statuses));
      await settleSocialQueue(t);
      const citizenId = await citizenOfMessage('whatsapp', mine);

      await anonymise(citizenId);
      const bodies: string[] = (await t.db.query(`SELECT convert_from(body, 'UTF8') AS body FROM social_events WHERE convert_from(body, 'UTF8') LIKE '%WABA-SLP%'`)).map(
        (r: { body: string }) => r.body,
      );
      const all = bodies.join('\n');
      for (const id of [mine, ours, statusId]) expect(all).not.toContain(id.slice(6));
      expect(decodedWamids(all).filter((d) => d.includes(waId) || d.includes(waId.slice(3)))).toEqual([]);
      const batched = JSON.parse(bodies.find((b) => b.includes('Otro reporte'))!);
      const [first, second] = batched.entry[0].changes[0].value.messages;
      expect(first.id).toMatch(/^wamid\.[0-9a-f]{64}$/);
      expect(first.context.id).toMatch(/^wamid\.[0-9a-f]{64}$/);
      // someone else's message in the same delivery keeps its id
      expect(second.id).toBe(theirs);
    });

    it('keeps a Telegram delivery valid JSON when its numeric ids are taken out', async () => {
      const userId = 880_055_501;
      const update = telegramUpdate(userId, { text: 'Bache enorme en la avenida' });
      await t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send(JSON.stringify(update)).expect(200);
      await settleSocialQueue(t);
      const citizenId = await citizenOfMessage('telegram', `${userId}:${update.message.message_id}`);
      await anonymise(citizenId);
      const after = await storedBody(`"update_id":${update.update_id}`);
      const parsed = JSON.parse(after);
      expect(after).not.toContain(String(userId));
      expect(parsed.message.from.id).toBe('[identificador eliminado]');
      expect(parsed.message.text).toBe('Bache enorme en la avenida');
    });
  });

  describe('access trail of routes that answer a citizen\'s data after a change', () => {
    let agent: { auth: Record<string, string>; user: { id: string } };
    beforeAll(async () => {
      agent = await t.user('agent');
    });
    /** the trail rows a request left (by its X-Request-Id) */
    const trailOf = async (requestId: string) =>
      t.db.query(`SELECT user_id, citizen_id, action, folio FROM personal_data_access WHERE request_id = $1 ORDER BY id`, [requestId]);
    let n = 0;
    const rid = (what: string) => `trail-fix-${what}-${(n += 1)}`;
    const capture = (phone: string, name: string, requestId: string) =>
      t
        .http()
        .post('/api/v1/tickets')
        .set(agent.auth)
        .set('X-Request-Id', requestId)
        .send({ subject: 'Luminaria apagada', description: 'La luminaria del poste 12 no enciende', channel: 'phone', citizen: { name, phone } })
        .expect(201);

    it('PATCH and merge of a citizen record the citizen they answer', async () => {
      const first = (await capture('444 555 0701', 'Óscar Ruiz', rid('c'))).body;
      const second = (await capture('444 555 0702', 'Óscar Ruiz G.', rid('c'))).body;
      const patch = rid('patch');
      const res = await t.http().patch(`/api/v1/citizens/${first.citizen.id}`).set(agent.auth).set('X-Request-Id', patch).send({ name: 'Óscar Ruiz Gómez' }).expect(200);
      expect(res.body.identities.length).toBeGreaterThan(0);
      expect(await trailOf(patch)).toEqual([{ user_id: agent.user.id, citizen_id: first.citizen.id, action: 'citizen_detail', folio: null }]);
      const merge = rid('merge');
      await t.http().post(`/api/v1/citizens/${second.citizen.id}/merge`).set(agent.auth).set('X-Request-Id', merge).send({ intoCitizenId: first.citizen.id }).expect(200);
      expect(await trailOf(merge)).toEqual([{ user_id: agent.user.id, citizen_id: first.citizen.id, action: 'citizen_detail', folio: null }]);
    });

    it('capturing a ticket for a known citizen records the citizen whose identities it answers', async () => {
      const known = (await capture('444 555 0703', 'Paula Núñez', rid('c'))).body;
      await t.http().patch(`/api/v1/citizens/${known.citizen.id}`).set(agent.auth).send({ emails: ['paula.nunez@correo-prueba.mx'] }).expect(200);
      const again = rid('capture');
      const res = await capture('444 555 0703', 'Paula', again);
      expect(res.body.citizen.id).toBe(known.citizen.id);
      expect(JSON.stringify(res.body.citizen.identities)).toContain('paula.nunez@correo-prueba.mx'); // more than what was typed
      expect(await trailOf(again)).toEqual([{ user_id: agent.user.id, citizen_id: known.citizen.id, action: 'ticket_detail', folio: res.body.folio }]);
    });

    it('ticket changes that answer the full detail record its citizen, once per request', async () => {
      const { folio, citizen } = (await capture('444 555 0704', 'Rita Gálvez', rid('c'))).body;
      const other = (await capture('444 555 0704', 'Rita Gálvez', rid('c'))).body;
      const supervisor2 = await t.user('supervisor');
      const calls: Array<[string, (id: string) => Promise<unknown>, string]> = [
        ['update', (id) => t.http().patch(`/api/v1/tickets/${folio}`).set(agent.auth).set('X-Request-Id', id).send({ subject: 'Luminaria apagada en el poste 12' }).expect(200), folio],
        ['assign', (id) => t.http().post(`/api/v1/tickets/${folio}/assign`).set(agent.auth).set('X-Request-Id', id).send({ assigneeId: agent.user.id }).expect(200), folio],
        ['transition', (id) => t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).set('X-Request-Id', id).send({ to: 'in_progress' }).expect(200), folio],
        [
          'attach',
          (id) => t.http().post(`/api/v1/tickets/${folio}/attachments`).set(agent.auth).set('X-Request-Id', id).field('note', 'foto del poste').attach('files', PNG_1PX, { filename: 'poste.png', contentType: 'image/png' }).expect(201),
          folio,
        ],
        ['merge', (id) => t.http().post(`/api/v1/tickets/${other.folio}/merge`).set(supervisor2.auth).set('X-Request-Id', id).send({ intoFolio: folio }).expect(200), folio],
      ];
      for (const [what, call, shown] of calls) {
        const id = rid(what);
        await call(id);
        const user = what === 'merge' ? supervisor2.user.id : agent.user.id;
        expect([what, await trailOf(id)]).toEqual([what, [{ user_id: user, citizen_id: citizen.id, action: 'ticket_detail', folio: shown }]]);
      }
    });
  });
});
