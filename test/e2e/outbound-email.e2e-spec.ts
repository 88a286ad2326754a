// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';
import type { InboundMessage } from '../../src/intake/inbound-message';
import { OutboxService } from '../../src/notifications/outbox.service';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import {
  OutboxPermanentError,
  OutboxRow,
  OutboxTransports,
} from '../../src/notifications/outbox-transports';
import { SmtpSink, waitFor } from '../support/smtp-sink';

const MAILBOX = 'atencionciudadana@sanluis.gob.mx';

jest.setTimeout(60_000);

/** Citizen emails through a real SMTP server on loopback: headers, Spanish bodies, threading, faults. */
describe('outbound email to citizens', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  let intake: IntakeService;
  let seq = 0;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_TIMEOUT_MS: '5000',
      MAIL_FROM: `Atención Ciudadana SLP <${MAILBOX}>`,
      MAIL_REPLY_TO: MAILBOX,
      MAIL_ACK_RATE_LIMIT: '3',
      CITIZEN_CONTACT: 'Tel. 444 834 5400 · Blvd. Salvador Nava 1580 · lunes a viernes de 8:00 a 15:00',
      OUTBOX_POLL_MS: '50',
      OUTBOX_RETRY_BASE_MS: '200',
      OUTBOX_RETRY_MAX_MS: '400',
    });
    agent = (await t.user('agent')).auth;
    supervisor = (await t.user('supervisor')).auth;
    intake = t.app.get(IntakeService);
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const address = (name: string) => `${name}.${++seq}@correo.mx`;

  /** A citizen's email as the mailbox reader hands it to intake. */
  function citizenEmail(from: string, over: Partial<InboundMessage> = {}) {
    return intake.receive({
      channel: 'email',
      externalId: `<cit.${++seq}.${Date.now()}@correo.mx>`,
      sender: { name: 'María José Núñez', identities: [{ kind: 'email', value: from }] },
      subject: 'Luminaria apagada en Av. Venustiano Carranza',
      text: 'La luminaria frente al número 1500 no enciende desde el lunes.',
      ...over,
    });
  }

  const mailsTo = (to: string) => sink.deliveredTo(to);
  const waitForMails = (to: string, n: number) =>
    waitFor(`${n} mail(s) to ${to}`, () => (mailsTo(to).length >= n ? mailsTo(to) : null));
  const detail = async (folio: string) =>
    (await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200)).body;
  const header = (m: { parsed: { headers: Map<string, unknown> } }, name: string) =>
    m.parsed.headers.get(name);
  const refs = (m: { parsed: { references?: string | string[] } }) =>
    [m.parsed.references ?? []].flat();
  const outboxRows = (folio: string) =>
    t.db.query(
      `SELECT o.* FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1 ORDER BY o.id`,
      [folio],
    );

  it('acknowledges a new email report: folio in the subject, our Message-ID, threading, status and privacy links, Spanish UTF-8', async () => {
    const from = address('maria');
    const inbound = await citizenEmail(from, { externalId: '<CAF=primer.mensaje@mail.gmail.com>' });
    const [mail] = await waitForMails(from, 1);
    const d = await detail(inbound.folio);

    expect(mail.parsed.subject).toBe(
      `[${inbound.folio}] Recibimos su reporte: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(mail.messageId).toMatch(/^<enlace\.[0-9a-f]{32}@sanluis\.gob\.mx>$/);
    expect(mail.parsed.inReplyTo).toBe('<CAF=primer.mensaje@mail.gmail.com>');
    expect(refs(mail)).toEqual(['<CAF=primer.mensaje@mail.gmail.com>']);
    expect(header(mail, 'auto-submitted')).toBe('auto-replied');
    expect(mail.parsed.from?.value[0]).toEqual({
      name: 'Atención Ciudadana SLP',
      address: MAILBOX,
    });
    expect(mail.parsed.replyTo?.value[0].address).toBe(MAILBOX);
    expect(mail.to).toEqual([from]);
    // the envelope sender (MAIL FROM, the Return-Path at the citizen's side) is where bounces go:
    // MAIL_FROM's bare address, never the null sender <> (which would lose every bounce)
    expect(mail.mailFrom).toBe(MAILBOX);
    expect(mail.raw.toString('latin1')).toMatch(/charset=utf-8/i);

    const text = mail.parsed.text ?? '';
    expect(text).toContain('Estimado(a) María José Núñez:');
    expect(text).toContain(`Recibimos su reporte y le asignamos el folio ${inbound.folio}`);
    expect(text).toContain('Estado: Recibido.');
    const statusUrl = `https://enlace.test/seguimiento/${inbound.folio}?token=${d.publicStatusToken}`;
    expect(text).toContain(statusUrl);
    expect(text).toContain('Aviso de privacidad: https://enlace.test/aviso-de-privacidad');
    // how to reach the office besides email (CITIZEN_CONTACT), in both parts
    expect(text).toContain('También puede comunicarse con nosotros: Tel. 444 834 5400 · Blvd. Salvador Nava 1580 · lunes a viernes de 8:00 a 15:00');
    expect(String(mail.parsed.html)).toContain('También puede comunicarse con nosotros: Tel. 444 834 5400');
    expect(String(mail.parsed.html)).toContain(`href="${statusUrl}"`);

    // the thread holds the mail with our Message-ID as its external id, delivered once
    const out = await waitFor('delivery recorded', async () => {
      const m = (await detail(inbound.folio)).thread.find(
        (x: { direction: string }) => x.direction === 'outbound',
      );
      return m?.delivery?.state === 'sent' ? m : null;
    });
    expect(out).toMatchObject({
      channel: 'email',
      public: true,
      delivery: { state: 'sent', attempts: 1, lastError: null },
    });
    expect(out.bodyText).toContain(`/seguimiento/${inbound.folio}`);
    expect(out.bodyText).not.toContain(d.publicStatusToken); // the stored copy leaves the token out
    const [{ external_id }] = await t.db.query(`SELECT external_id FROM messages WHERE id = $1`, [
      out.id,
    ]);
    expect(external_id).toBe(mail.messageId);
    const rows = await outboxRows(inbound.folio);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      channel: 'email',
      kind: 'acknowledgement',
      state: 'sent',
      external_id: mail.messageId,
      recipient: from,
      attempts: 1,
    });
  });

  it('mails each status change with its own text, threaded on the citizen’s last message', async () => {
    const from = address('juan');
    const first = await citizenEmail(from, { externalId: '<raiz.1@correo.mx>' });
    const folio = first.folio;
    await waitForMails(from, 1);
    const areaId = (await t.db.query(`SELECT id FROM areas ORDER BY code LIMIT 1`))[0].id;
    const [{ name: areaName }] = await t.db.query(`SELECT name FROM areas WHERE id = $1`, [areaId]);

    await t
      .http()
      .post(`/api/v1/tickets/${folio}/assign`)
      .set(supervisor)
      .send({ areaId })
      .expect(200);
    let mails = await waitForMails(from, 2);
    expect(mails[1].parsed.subject).toBe(
      `[${folio}] Su reporte fue turnado: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(mails[1].parsed.text).toContain(`fue turnado al área responsable: ${areaName}`);
    expect(mails[1].parsed.inReplyTo).toBe('<raiz.1@correo.mx>');
    expect(refs(mails[1])).toEqual(['<raiz.1@correo.mx>', mails[0].messageId]);

    const move = (body: Record<string, unknown>) =>
      t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent).send(body).expect(200);
    await move({ to: 'in_progress' });
    mails = await waitForMails(from, 3);
    expect(mails[2].parsed.subject).toBe(
      `[${folio}] Su reporte está en atención: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(mails[2].parsed.text).toContain('ya está atendiendo su reporte');

    await move({
      to: 'waiting_citizen',
      message: '¿Podría indicarnos el número del poste? Está pintado en él.',
    });
    mails = await waitForMails(from, 4);
    expect(mails[3].parsed.subject).toBe(
      `[${folio}] Necesitamos información sobre su reporte: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(mails[3].parsed.text).toContain(
      '¿Podría indicarnos el número del poste? Está pintado en él.',
    );
    expect(mails[3].parsed.text).toContain('Estado: En espera de información.');

    // the citizen answers by email: threaded, the ticket resumes, no mail for that automatic move
    await citizenEmail(from, {
      externalId: '<respuesta.2@correo.mx>',
      threadTicketId: first.ticketId,
      text: 'Es el poste AP-10231.',
    });
    expect((await detail(folio)).status).toBe('in_progress');

    await move({ to: 'resolved', message: 'Cambiamos la lámpara del poste AP-10231.' });
    mails = await waitForMails(from, 5);
    expect(mails[4].parsed.subject).toBe(
      `[${folio}] Su reporte fue atendido: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(mails[4].parsed.text).toContain('Cambiamos la lámpara del poste AP-10231.');
    expect(mails[4].parsed.text).toContain('Si su reporte no quedó resuelto, responda a este correo');
    expect(mails[4].parsed.text).toContain('Si no recibimos respuesta en 7 días, su reporte se cerrará.');
    expect(mails[4].parsed.inReplyTo).toBe('<respuesta.2@correo.mx>');
    expect(refs(mails[4])[0]).toBe('<raiz.1@correo.mx>');
    expect(refs(mails[4])).toContain('<respuesta.2@correo.mx>');
    expect(refs(mails[4])).toContain(mails[3].messageId);

    await move({ to: 'closed' });
    mails = await waitForMails(from, 6);
    expect(mails[5].parsed.subject).toBe(
      `[${folio}] Su reporte fue cerrado: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(mails[5].parsed.text).toContain('Gracias por ayudarnos a mejorar San Luis Potosí');
    expect(mails[5].parsed.text).toContain('responda a este correo en un plazo de 30 días y revisaremos su reporte; después de ese plazo, su respuesta abrirá un reporte nuevo.');

    // RFC 3834: the acknowledgement answers the citizen's mail, status notices answer nothing
    expect(mails.map((m) => header(m, 'auto-submitted'))).toEqual(['auto-replied', ...mails.slice(1).map(() => 'auto-generated')]);
    for (const m of mails) {
      expect(m.parsed.subject).toContain(`[${folio}]`);
      expect(m.parsed.text).toContain('https://enlace.test/aviso-de-privacidad');
    }
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(6);
    // every mail is on the thread: the status texts became email messages with our Message-IDs
    const ids = (
      await t.db.query(
        `SELECT external_id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.folio = $1 AND direction = 'outbound'`,
        [folio],
      )
    ).map((r: { external_id: string }) => r.external_id);
    expect(ids.sort()).toEqual(mails.map((m) => m.messageId).sort());
    expect(mails.length).toBe(6); // nothing for the citizen's own reply
  });

  it('mails a rejection with its reason', async () => {
    const from = address('rechazo');
    const r = await citizenEmail(from, { subject: 'Mi vecino no me saluda' });
    await waitForMails(from, 1);
    await t
      .http()
      .post(`/api/v1/tickets/${r.folio}/transitions`)
      .set(agent)
      .send({ to: 'rejected', reason: 'Fuera de la competencia municipal' })
      .expect(200);
    const mails = await waitForMails(from, 2);
    expect(mails[1].parsed.subject).toBe(
      `[${r.folio}] Su reporte no procede: Mi vecino no me saluda`,
    );
    expect(mails[1].parsed.text).toContain('Motivo: Fuera de la competencia municipal');
    expect(mails[1].parsed.text).toContain('Estado: No procede.');
  });

  it('never threads its mail under a recorded out-of-office answer or bounce', async () => {
    const from = address('vacaciones');
    const r = await citizenEmail(from, { externalId: '<pregunta.ooo@correo.mx>' });
    const [ack] = await waitForMails(from, 1);
    // the citizen's out-of-office answer to our acknowledgement, as the mailbox reader records it
    await t.db.query(
      `INSERT INTO messages (ticket_id, direction, channel, body_text, public, external_id, meta) VALUES ($1, 'inbound', 'email', 'Estoy de vacaciones', false, '<ooo.1@correo.mx>', '{"automated": true, "kind": "auto_reply"}')`,
      [r.ticketId],
    );
    await t.http().post(`/api/v1/tickets/${r.folio}/replies`).set(agent).send({ body: 'Ya quedó la luminaria.' }).expect(201);
    const [, reply] = await waitForMails(from, 2);
    expect(reply.parsed.inReplyTo).toBe('<pregunta.ooo@correo.mx>');
    expect(refs(reply)).toEqual(['<pregunta.ooo@correo.mx>', ack.messageId]);
  });

  it('sends an agent reply (not marked automatic) and records it on the thread; notifyCitizen false sends nothing', async () => {
    const from = address('respuesta');
    const r = await citizenEmail(from, { externalId: '<pregunta.9@correo.mx>' });
    await waitForMails(from, 1);
    const res = await t
      .http()
      .post(`/api/v1/tickets/${r.folio}/replies`)
      .set(agent)
      .send({ body: 'Buenas tardes. Ya enviamos una cuadrilla;\nle avisaremos cuando quede.' })
      .expect(201);
    expect(res.body).toMatchObject({
      direction: 'outbound',
      channel: 'email',
      public: true,
      delivery: { state: 'queued', attempts: 0 },
    });
    const mails = await waitForMails(from, 2);
    const reply = mails[1];
    expect(reply.parsed.subject).toBe(
      `[${r.folio}] Respuesta a su reporte: Luminaria apagada en Av. Venustiano Carranza`,
    );
    expect(reply.parsed.text).toContain('Ya enviamos una cuadrilla;\nle avisaremos cuando quede.');
    expect(reply.parsed.text).toContain(
      'Aviso de privacidad: https://enlace.test/aviso-de-privacidad',
    );
    expect(header(reply, 'auto-submitted')).toBeUndefined();
    expect(reply.parsed.inReplyTo).toBe('<pregunta.9@correo.mx>');
    expect(String(reply.parsed.html)).toContain('Ya enviamos una cuadrilla;<br>');

    await waitFor('reply delivered on the thread', async () => {
      const m = (await detail(r.folio)).thread.find((x: { id: string }) => x.id === res.body.id);
      return m?.delivery?.state === 'sent';
    });
    const events = (await detail(r.folio)).events.map((e: { type: string }) => e.type);
    expect(events).toContain('replied');

    const silent = await t
      .http()
      .post(`/api/v1/tickets/${r.folio}/replies`)
      .set(agent)
      .send({ body: 'Le llamé por teléfono.', notifyCitizen: false })
      .expect(201);
    expect(silent.body.delivery).toBeNull();
    await t
      .http()
      .post(`/api/v1/tickets/${r.folio}/transitions`)
      .set(agent)
      .send({ to: 'in_progress', notifyCitizen: false })
      .expect(200);
    expect(await outboxRows(r.folio)).toHaveLength(2); // acknowledgement + the one notified reply
  });

  it('validates a reply and refuses press users', async () => {
    const r = await citizenEmail(address('valida'));
    const bad = await t
      .http()
      .post(`/api/v1/tickets/${r.folio}/replies`)
      .set(agent)
      .send({ body: '   ' })
      .expect(400);
    expect(JSON.stringify(bad.body.details)).toContain('body');
    const press = (await t.user('press')).auth;
    await t
      .http()
      .post(`/api/v1/tickets/${r.folio}/replies`)
      .set(press)
      .send({ body: 'hola' })
      .expect(403);
    await t
      .http()
      .post(`/api/v1/tickets/SLP-2000-999999/replies`)
      .set(agent)
      .send({ body: 'hola' })
      .expect(404);
  });

  it('acknowledges reports captured by phone when the citizen gave an email', async () => {
    const email = address('telefono');
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .send({
        subject: 'Fuga de agua en la calle Zaragoza',
        description: 'Reportado por teléfono',
        channel: 'phone',
        citizen: { name: 'Pedro', email },
      })
      .expect(201);
    const [mail] = await waitForMails(email, 1);
    expect(mail.parsed.subject).toBe(
      `[${res.body.folio}] Recibimos su reporte: Fuga de agua en la calle Zaragoza`,
    );
    expect(mail.parsed.inReplyTo).toBeUndefined(); // nothing to answer: the citizen never wrote by email
  });

  it('never acknowledges automatic mail, undeliverable addresses, our own address or social-platform tickets', async () => {
    const auto = await citizenEmail(address('autorespuesta'), { automated: true });
    const dead = address('rebotado');
    const first = await citizenEmail(dead);
    await waitForMails(dead, 1);
    await t.db.query(`UPDATE citizen_identities SET undeliverable = true WHERE value = $1`, [dead]);
    const second = await citizenEmail(dead);
    const own = await citizenEmail(MAILBOX);
    const social = await intake.receive({
      channel: 'messenger',
      externalId: `mid.${Date.now()}`,
      sender: {
        name: 'Luis',
        identities: [
          { kind: 'messenger', value: '1234567890' },
          { kind: 'email', value: address('social') },
        ],
      },
      text: 'Hay basura acumulada en la esquina',
    });
    for (const folio of [auto.folio, second.folio, own.folio, social.folio])
      expect(await outboxRows(folio)).toEqual([]);
    expect(await outboxRows(first.folio)).toHaveLength(1);
    expect(sink.deliveredTo(MAILBOX)).toEqual([]);
  });

  it('limits acknowledgements per sender and hour (MAIL_ACK_RATE_LIMIT=3), still making every ticket', async () => {
    const from = address('insistente');
    const folios: string[] = [];
    for (let i = 0; i < 5; i++)
      folios.push((await citizenEmail(from, { subject: `Reporte ${i}` })).folio);
    expect(new Set(folios).size).toBe(5);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE recipient = $1 AND kind = 'acknowledgement'`,
      [from],
    );
    expect(n).toBe(3);
    await waitForMails(from, 3);
  });

  it('retries a temporary refusal (451) and delivers the same Message-ID', async () => {
    const from = address('greylist');
    let refusals = 0;
    sink.hooks.onRcpt = (addr) =>
      addr === from && refusals++ === 0
        ? { code: 451, message: '4.7.1 Greylisted, try again later' }
        : undefined;
    const r = await citizenEmail(from);
    const [mail] = await waitForMails(from, 1);
    expect(sink.rcptAttempts.get(from)).toBe(2);
    const out = await waitFor('sent after a retry', async () => {
      const m = (await detail(r.folio)).thread.find(
        (x: { direction: string }) => x.direction === 'outbound',
      );
      return m?.delivery?.state === 'sent' ? m : null;
    });
    expect(out.delivery.attempts).toBe(2);
    expect(out.delivery.lastError).toMatch(/451/);
    const [row] = await outboxRows(r.folio);
    expect(row.external_id).toBe(mail.messageId);
    sink.hooks.onRcpt = undefined;
  });

  it('stops at a permanent refusal (550): failed on the thread and in metrics, never retried', async () => {
    const from = address('noexiste');
    sink.hooks.onRcpt = (addr) =>
      addr === from ? { code: 550, message: '5.1.1 Mailbox does not exist' } : undefined;
    const r = await citizenEmail(from);
    const out = await waitFor('failed on the thread', async () => {
      const m = (await detail(r.folio)).thread.find(
        (x: { direction: string }) => x.direction === 'outbound',
      );
      return m?.delivery?.state === 'failed' ? m : null;
    });
    expect(out.delivery.attempts).toBe(1);
    expect(out.delivery.lastError).toMatch(/550/);
    // a failed row keeps next_attempt_at at the failure, so it is due: rounds of the worker run to
    // completion (their sends are awaited) and none takes it (a claim would count an attempt)
    const worker = t.app.get(OutboxWorker);
    for (let i = 0; i < 3; i++) await worker.runOnce();
    expect(sink.rcptAttempts.get(from)).toBe(1);
    const [row] = await outboxRows(r.folio);
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    const [{ due }] = await t.db.query(`SELECT next_attempt_at <= now() AS due FROM outbox WHERE id = $1`, [row.id]);
    expect(due).toBe(true);
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/enlace_outbox_failed\{channel="email"\} 1/);
    expect(metrics).toMatch(/enlace_outbox_attempts_total\{channel="email",outcome="failed"\} 1/);
    expect(metrics).toMatch(/enlace_outbox_queued\{channel="email"\} \d+/);
    expect(metrics).toMatch(/enlace_outbox_oldest_queued_seconds\{channel="email"\} /);
    const ready = (await t.http().get('/health/ready').expect(200)).body;
    expect(ready.details.outbox).toMatchObject({ status: 'up', smtp: 'configured', failed: 1 });
    sink.hooks.onRcpt = undefined;
  });

  it('sends other channels through the transport registered for them (the contract social channels use)', async () => {
    const calls: OutboxRow[] = [];
    t.app.get(OutboxTransports).register('telegram', {
      async send(row) {
        calls.push(row);
        if (row.payload.mode === 'flaky' && row.attempts === 1)
          throw new Error('HTTP 502 from the platform');
        if (row.payload.mode === 'refused')
          throw new OutboxPermanentError('403: the user blocked the bot');
        return { externalId: `tg-${row.id}` };
      },
    });
    const r = await intake.receive({
      channel: 'telegram',
      externalId: `upd-${Date.now()}`,
      sender: { name: 'Luis', identities: [{ kind: 'telegram', value: '777' }] },
      text: 'Fuga de agua',
    });
    const outbox = t.app.get(OutboxService);
    const enqueue = (mode: string) =>
      t.db.transaction(async (manager) => {
        const [m] = await manager.query(
          `INSERT INTO messages (ticket_id, direction, channel, body_text, public) VALUES ($1, 'outbound', 'telegram', $2, true) RETURNING id`,
          [r.ticketId, `respuesta ${mode}`],
        );
        await outbox.enqueue(manager, {
          channel: 'telegram',
          kind: 'reply',
          recipient: '777',
          payload: { mode },
          ticketId: r.ticketId,
          messageId: String(m.id),
        });
        return String(m.id);
      });
    const flaky = await enqueue('flaky');
    const refused = await enqueue('refused');
    const state = async (id: string) =>
      (
        await t.db.query(
          `SELECT delivery_state, delivery_attempts, delivery_error, external_id FROM messages WHERE id = $1`,
          [id],
        )
      )[0];
    const sent = await waitFor('flaky one sent', async () =>
      (await state(flaky)).delivery_state === 'sent' ? state(flaky) : null,
    );
    expect(sent).toMatchObject({
      delivery_attempts: 2,
      delivery_error: 'HTTP 502 from the platform',
    }); // the last error stays visible
    expect(sent.external_id).toMatch(/^tg-\d+$/);
    const failed = await waitFor('refused one failed', async () =>
      (await state(refused)).delivery_state === 'failed' ? state(refused) : null,
    );
    expect(failed).toMatchObject({
      delivery_attempts: 1,
      delivery_error: '403: the user blocked the bot',
      external_id: null,
    });
    expect(calls.filter((c) => c.payload.mode === 'refused')).toHaveLength(1);
    expect(calls.filter((c) => c.payload.mode === 'flaky')).toHaveLength(2);
  });
});
