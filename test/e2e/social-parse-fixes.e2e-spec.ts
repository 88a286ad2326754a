// test-app first: it loads the entities in the order their circular references need
import { TestApp } from '../support/test-app';
import { startSocialReplyApp } from '../support/social-reply-harness';
import { settleSocialQueue } from '../support/settle-social-queue';
import { FakePlatforms } from '../support/fake-platforms';
import { messengerDelivery, nextTestId, signed, TELEGRAM_SECRET, telegramUpdate } from '../support/social-payloads';

/**
 * What the platforms send besides plain messages, read as the citizen meant it:
 * - an Instagram / Messenger message the API gives no content of (`is_unsupported`) is no report
 *   (as WhatsApp `unsupported`): no ticket, no acknowledgement, no status change;
 * - an edit (Telegram `edited_message`, Meta `message_edit`) is kept on the original's ticket,
 *   marked as an edit, once per edit, never acknowledged; an edit of a message we never got is a
 *   message like any other;
 * - a Telegram report that starts with a command (`/reporte Fuga…`) is the report; a bare command
 *   is not.
 */
describe('social deliveries: unsupported content, edits, commands (fake Meta and Telegram APIs)', () => {
  let t: TestApp;
  let fake: FakePlatforms;

  beforeAll(async () => {
    ({ t, fake } = await startSocialReplyApp());
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  /** Delivers a body and returns the result the queue recorded for it. */
  const post = async (body: unknown, platform: 'meta' | 'telegram' = 'meta'): Promise<{ ignored: Record<string, number>; outcomes: Record<string, number> }> => {
    const raw = JSON.stringify(body);
    if (platform === 'meta') {
      const s = signed(body);
      await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw).expect(200);
    } else {
      await t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send(raw).expect(200);
    }
    await settleSocialQueue(t);
    const [row] = await t.db.query(`SELECT result FROM social_events WHERE body = convert_to($1, 'UTF8') ORDER BY id DESC LIMIT 1`, [raw]);
    return row.result;
  };
  const citizenTickets = (channel: string, userId: string): Promise<Array<{ id: string; folio: string; status: string }>> =>
    t.db.query(
      `SELECT t.id, t.folio, t.status FROM tickets t JOIN citizen_identities i ON i.citizen_id = t.citizen_id WHERE i.kind = $1 AND i.value = $2 ORDER BY t.id`,
      [channel, userId],
    );
  const thread = (ticketId: string): Promise<Array<{ external_id: string; body_text: string; edit_of: string | null }>> =>
    t.db.query(`SELECT external_id, body_text, meta->>'editOf' AS edit_of FROM messages WHERE ticket_id = $1 AND direction = 'inbound' ORDER BY id`, [ticketId]);
  const acknowledgements = async (ticketId: string): Promise<number> =>
    (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE ticket_id = $1 AND kind = 'acknowledgement'`, [ticketId]))[0].n;
  const resolve = async (folio: string) => {
    const { auth } = await t.user('agent');
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(auth).send({ to: 'in_progress' }).expect(200);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(auth).send({ to: 'resolved', message: 'Ya se atendió su reporte.' }).expect(200);
  };
  const instagramUnsupported = (igsid: string) => ({
    object: 'instagram',
    entry: [{ id: 'IG-SLP', time: Date.now(), messaging: [{ sender: { id: igsid }, recipient: { id: 'IG-SLP' }, timestamp: Date.now(), message: { mid: nextTestId('ig_u_'), is_unsupported: true } }] }],
  });
  const metaEdit = (psid: string, mid: string, text: string, numEdit: number, object: 'page' | 'instagram' = 'page') => {
    const page = object === 'page' ? 'PAGE-SLP' : 'IG-SLP';
    return { object, entry: [{ id: page, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: page }, timestamp: Date.now(), message_edit: { mid, text, num_edit: numEdit } }] }] };
  };
  const telegramEdit = (userId: number, messageId: number, text: string, editDate: number) => {
    const u = telegramUpdate(userId, { text, message_id: messageId, edit_date: editDate });
    return { update_id: u.update_id, edited_message: u.message };
  };

  describe('content the platform does not give (Instagram is_unsupported)', () => {
    it('from a new sender: ignored, no ticket, no acknowledgement', async () => {
      const igsid = nextTestId('IGSID');
      const result = await post(instagramUnsupported(igsid));
      expect(result.ignored).toEqual({ unsupported: 1 });
      expect(result.outcomes).toEqual({});
      expect(await citizenTickets('instagram', igsid)).toEqual([]);
    });

    it('on a resolved report: the report stays resolved, nothing is added to it', async () => {
      const igsid = nextTestId('IGSID');
      await post(messengerDelivery(igsid, 'Luminaria apagada en la calle Zaragoza', { object: 'instagram', page: 'IG-SLP' }));
      const [ticket] = await citizenTickets('instagram', igsid);
      await resolve(ticket.folio);
      const [{ n: events }] = await t.db.query(`SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1`, [ticket.id]);
      expect((await post(instagramUnsupported(igsid))).ignored).toEqual({ unsupported: 1 });
      expect((await citizenTickets('instagram', igsid)).map((x) => x.status)).toEqual(['resolved']);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1`, [ticket.id]))[0].n).toBe(events);
      expect((await thread(ticket.id)).map((m) => m.body_text)).toEqual(['Luminaria apagada en la calle Zaragoza']);
    });

    it('on Messenger too', async () => {
      const psid = nextTestId('PSID');
      const body = messengerDelivery(psid, '');
      const message = body.entry[0].messaging[0].message;
      delete message.text;
      message.is_unsupported = true;
      expect((await post(body)).ignored).toEqual({ unsupported: 1 });
      expect(await citizenTickets('messenger', psid)).toEqual([]);
    });
  });

  describe('edited messages', () => {
    it('Telegram: the edit goes on the same ticket, marked, once per edit date, without a second acknowledgement', async () => {
      const user = 880000 + Math.floor(Math.random() * 10000);
      const sent = telegramUpdate(user, { text: 'Hay un bache en la calle', message_id: 41 });
      await post(sent, 'telegram');
      const [ticket] = await citizenTickets('telegram', String(user));
      expect(await acknowledgements(ticket.id)).toBe(1);

      const edit = telegramEdit(user, 41, 'Hay un bache en la calle Reforma 345, colonia Centro', sent.message.date + 60);
      expect((await post(edit, 'telegram')).outcomes).toEqual({ appended: 1 });
      // redelivered (under another update_id): a duplicate; a second edit: stored
      expect((await post({ ...edit, update_id: edit.update_id + 1 }, 'telegram')).outcomes).toEqual({ duplicate: 1 });
      await post(telegramEdit(user, 41, 'Hay un bache grande en la calle Reforma 345, colonia Centro', sent.message.date + 120), 'telegram');

      expect(await citizenTickets('telegram', String(user))).toEqual([expect.objectContaining({ id: ticket.id, status: 'new' })]);
      expect(await thread(ticket.id)).toEqual([
        { external_id: `${user}:41`, body_text: 'Hay un bache en la calle', edit_of: null },
        { external_id: `${user}:41:edit:${sent.message.date + 60}`, body_text: '[mensaje editado] Hay un bache en la calle Reforma 345, colonia Centro', edit_of: `${user}:41` },
        { external_id: `${user}:41:edit:${sent.message.date + 120}`, body_text: '[mensaje editado] Hay un bache grande en la calle Reforma 345, colonia Centro', edit_of: `${user}:41` },
      ]);
      expect(await acknowledgements(ticket.id)).toBe(1);
    });

    it('Messenger and Instagram message_edit: on the same ticket, marked, once per edit number', async () => {
      for (const object of ['page', 'instagram'] as const) {
        const channel = object === 'page' ? 'messenger' : 'instagram';
        const psid = nextTestId('PSID');
        const mid = nextTestId('m_');
        await post(messengerDelivery(psid, 'Fuga de agua en la esquina', { mid, object, page: object === 'page' ? 'PAGE-SLP' : 'IG-SLP' }));
        const [ticket] = await citizenTickets(channel, psid);
        const edit = metaEdit(psid, mid, 'Fuga de agua en la esquina de Av. Carranza y Uresti', 1, object);
        expect((await post(edit)).outcomes).toEqual({ appended: 1 });
        expect((await post({ ...edit, entry: [{ ...edit.entry[0], time: Date.now() + 1 }] })).outcomes).toEqual({ duplicate: 1 });
        await post(metaEdit(psid, mid, 'Fuga de agua grande en Av. Carranza y Uresti', 2, object));
        expect((await citizenTickets(channel, psid)).map((x) => x.id)).toEqual([ticket.id]);
        expect(await thread(ticket.id)).toEqual([
          { external_id: mid, body_text: 'Fuga de agua en la esquina', edit_of: null },
          { external_id: `${mid}:edit:1`, body_text: '[mensaje editado] Fuga de agua en la esquina de Av. Carranza y Uresti', edit_of: mid },
          { external_id: `${mid}:edit:2`, body_text: '[mensaje editado] Fuga de agua grande en Av. Carranza y Uresti', edit_of: mid },
        ]);
        expect(await acknowledgements(ticket.id)).toBe(1);
      }
    });

    it('an edit goes on the ticket of the message it corrects, even when the citizen has a newer one', async () => {
      const psid = nextTestId('PSID');
      const mid = nextTestId('m_');
      await post(messengerDelivery(psid, 'Árbol caído en el Jardín Colón', { mid }));
      const [first] = await citizenTickets('messenger', psid);
      await t.db.query(`UPDATE tickets SET status = 'rejected', rejection_reason = 'duplicado' WHERE id = $1`, [first.id]);
      await post(messengerDelivery(psid, 'Otro asunto: basura en la colonia Tequis'));
      const [, second] = await citizenTickets('messenger', psid);
      expect(second).toBeDefined();
      await t.db.query(`UPDATE tickets SET status = 'in_progress', rejection_reason = NULL WHERE id = $1`, [first.id]);
      await post(metaEdit(psid, mid, 'Árbol caído en el Jardín Colón, frente a la iglesia', 1));
      expect((await thread(first.id)).map((m) => m.body_text)).toEqual(['Árbol caído en el Jardín Colón', '[mensaje editado] Árbol caído en el Jardín Colón, frente a la iglesia']);
      expect((await thread(second.id)).map((m) => m.body_text)).toEqual(['Otro asunto: basura en la colonia Tequis']);
    });

    it('an edit changes no status: on a resolved report it resumes nothing, on one closed long ago it opens no new report', async () => {
      for (const [status, closedAt] of [['resolved', null], ['closed', "now() - interval '90 days'"]] as const) {
        const psid = nextTestId('PSID');
        const mid = nextTestId('m_');
        await post(messengerDelivery(psid, 'Luminaria apagada en la calle Hidalgo', { mid }));
        const [ticket] = await citizenTickets('messenger', psid);
        await t.db.query(`UPDATE tickets SET status = $2, closed_at = ${closedAt ?? 'NULL'} WHERE id = $1`, [ticket.id, status]);
        expect((await post(metaEdit(psid, mid, 'Luminaria apagada en la calle Hidalgo 120', 1))).outcomes).toEqual({ appended: 1 });
        expect(await citizenTickets('messenger', psid)).toEqual([expect.objectContaining({ id: ticket.id, status })]);
        expect((await thread(ticket.id)).map((m) => m.body_text)).toEqual(['Luminaria apagada en la calle Hidalgo', '[mensaje editado] Luminaria apagada en la calle Hidalgo 120']);
      }
    });

    it('an edit of a message never received is a message like any other', async () => {
      const user = 890000 + Math.floor(Math.random() * 10000);
      const result = await post(telegramEdit(user, 7, 'Semáforo descompuesto en Carranza y Reforma', Math.floor(Date.now() / 1000)), 'telegram');
      expect(result.outcomes).toEqual({ created: 1 });
      const [ticket] = await citizenTickets('telegram', String(user));
      expect(await thread(ticket.id)).toEqual([
        { external_id: expect.stringMatching(new RegExp(`^${user}:7:edit:\\d+$`)), body_text: 'Semáforo descompuesto en Carranza y Reforma', edit_of: `${user}:7` },
      ]);
      const [{ subject }] = await t.db.query(`SELECT subject FROM tickets WHERE id = $1`, [ticket.id]);
      expect(subject).toBe('Semáforo descompuesto en Carranza y Reforma');
    });
  });

  describe('Telegram bot commands', () => {
    it('a report that starts with a command is the report, the citizen acknowledged; a bare command is none', async () => {
      const user = 870000 + Math.floor(Math.random() * 10000);
      const result = await post(telegramUpdate(user, { text: '/reporte Fuga de agua en Av. Carranza 1500', entities: [{ offset: 0, length: 8, type: 'bot_command' }] }), 'telegram');
      expect(result).toEqual(expect.objectContaining({ ignored: {}, outcomes: { created: 1 } }));
      const [ticket] = await citizenTickets('telegram', String(user));
      expect((await thread(ticket.id)).map((m) => m.body_text)).toEqual(['Fuga de agua en Av. Carranza 1500']);
      expect(await acknowledgements(ticket.id)).toBe(1);
      // a bare command (/start, /help, /start@Bot) is still no report
      const other = 860000 + Math.floor(Math.random() * 10000);
      for (const text of ['/start', '/help', '/start@EnlaceSLPBot']) {
        const bare = await post(telegramUpdate(other, { text, entities: [{ offset: 0, length: text.length, type: 'bot_command' }] }), 'telegram');
        expect(bare.ignored).toEqual({ bot_command: 1 });
      }
      expect(await citizenTickets('telegram', String(other))).toEqual([]);
    });
  });
});
