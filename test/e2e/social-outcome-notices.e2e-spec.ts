// test-app first: it loads the entities in the order their circular references need
import { TestApp } from '../support/test-app';
import { inbound as deliver, startSocialReplyApp } from '../support/social-reply-harness';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import { FakePlatforms } from '../support/fake-platforms';
import { telegramUpdate, whatsappDelivery } from '../support/social-payloads';

/**
 * A platform citizen whose report is rejected with only a reason, or resolved or closed without a
 * word from the agent, is told on the platform — as an email citizen gets the status mail. Before,
 * they heard nothing and kept waiting.
 */
describe('outcome notices on the platforms (fake Meta and Telegram APIs)', () => {
  let t: TestApp;
  let fake: FakePlatforms;

  beforeAll(async () => {
    ({ t, fake } = await startSocialReplyApp());
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const notices = async (ticketId: string): Promise<Array<{ kind: string; text: string; body_text: string; automatic: string; delivery_state: string }>> =>
    t.db.query(
      `SELECT o.kind, o.payload->>'text' AS text, m.body_text, m.meta->>'automatic' AS automatic, m.delivery_state
       FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.ticket_id = $1 AND o.kind = 'status_changed' ORDER BY o.id`,
      [ticketId],
    );

  it('a WhatsApp report rejected with only a reason: the citizen gets the reason, the status link and the privacy notice', async () => {
    const ticket = await deliver(t, whatsappDelivery('5214441235555', 'Lupita', { type: 'text', text: { body: 'Ruido de una fiesta en la casa de al lado' } }, { phoneNumberId: 'PN-OUT' }));
    const { auth } = await t.user('agent');
    await t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send({ to: 'rejected', reason: 'Es competencia de Seguridad Pública: llame al 911.' }).expect(200);
    const [{ public_token: token }] = await t.db.query(`SELECT public_token FROM tickets WHERE id = $1`, [ticket.id]);
    const [notice, ...more] = await notices(ticket.id);
    expect(more).toEqual([]);
    expect(notice.text).toBe(
      `Después de revisarlo, su reporte ${ticket.folio} no procede.\nMotivo: Es competencia de Seguridad Pública: llame al 911.\nSi considera que se trata de un error, respóndanos por este medio.\n` +
        `Consulte el avance de su reporte en: https://enlace.test/seguimiento/${ticket.folio}?token=${token}\nAviso de privacidad: https://enlace.test/aviso-de-privacidad\nAtención Ciudadana · H. Ayuntamiento de San Luis Potosí`,
    );
    // the thread keeps it without the token, as an automatic notice (not on the citizen's page)
    expect(notice.body_text).not.toContain(token);
    expect(notice.automatic).toBe('true');
    await t.app.get(OutboxWorker).runOnce();
    const sent = fake.received(`/${fake.graphVersion}/PN-OUT/messages`).map((c) => (c.body as { text: { body: string } }).text.body);
    expect(sent.some((text) => text.startsWith(`Después de revisarlo, su reporte ${ticket.folio} no procede.`))).toBe(true);
  });

  it('a Telegram report closed without a message: the citizen is told it was closed', async () => {
    const ticket = await deliver(t, telegramUpdate(7001, { text: 'Semáforo descompuesto en Carranza y Reforma' }), 'telegram');
    const { auth } = await t.user('agent');
    const move = (body: Record<string, unknown>) => t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send(body).expect(200);
    await move({ to: 'in_progress' }); // not an outcome: nothing
    await move({ to: 'resolved', message: 'Ya funciona el semáforo.' }); // the agent's answer is the notice (a reply)
    await move({ to: 'closed', reason: 'Sin respuesta del ciudadano' });
    expect((await notices(ticket.id)).map((n) => n.text.split('\n')[0])).toEqual([`Su reporte ${ticket.folio} fue cerrado.`]);
    await t.app.get(OutboxWorker).runOnce();
    const sent = fake.received(`/bot${fake.botToken}/sendMessage`).map((c) => (c.body as { text: string }).text);
    expect(sent.filter((text) => text.startsWith(`Su reporte ${ticket.folio} fue cerrado.`)).length).toBe(1);
  });

  it('outside the platform\'s 24 h window: not sent, and the thread says why', async () => {
    const ticket = await deliver(t, whatsappDelivery('5214441234444', 'Toño', { type: 'text', text: { body: 'Basura sin recoger en la colonia Morales' } }, { phoneNumberId: 'PN-OUT' }));
    await t.db.query(`UPDATE messages SET created_at = created_at - interval '2 days' WHERE ticket_id = $1 AND direction = 'inbound'`, [ticket.id]);
    const { auth } = await t.user('agent');
    await t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send({ to: 'rejected', reason: 'Reporte duplicado de otro vecino.' }).expect(200);
    expect(await notices(ticket.id)).toEqual([]);
    const [m] = await t.db.query(`SELECT delivery_state, delivery_error FROM messages WHERE ticket_id = $1 AND meta->>'notification' = 'status_changed'`, [ticket.id]);
    expect(m).toEqual({ delivery_state: 'failed', delivery_error: 'no enviado: fuera de la ventana de 24 horas de la plataforma' });
  });

  it('says nothing more when the agent wrote a public message or chose not to notify', async () => {
    const ticket = await deliver(t, whatsappDelivery('5214441236666', 'Chayo', { type: 'text', text: { body: 'Poste caído en la colonia Industrial' } }, { phoneNumberId: 'PN-OUT' }));
    const { auth } = await t.user('agent');
    const move = (body: Record<string, unknown>) => t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send(body).expect(200);
    await move({ to: 'resolved', message: 'Se levantó el poste hoy.' }); // the message is the notice
    await move({ to: 'closed', notifyCitizen: false });
    expect(await notices(ticket.id)).toEqual([]);
  });
});
