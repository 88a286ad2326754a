// test-app first: it loads the entities in the order their circular references need
import { TestApp } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, waitFor as waitForImap } from '../support/imap-test';
import { findIdentifiers, LogCapture, startAppWithLogCapture } from '../support/log-capture';
import { settleSocialQueue } from '../support/settle-social-queue';
import { SmtpSink } from '../support/smtp-sink';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerDelivery, signed, whatsappDelivery } from '../support/social-payloads';

/**
 * The same proof across the channels: a citizen's mail read from the IMAP mailbox, the
 * acknowledgement sent through SMTP, and Messenger/WhatsApp webhooks — all at debug level.
 */
describe('logs hold ids only across email intake, outbound email and webhooks', () => {
  const PERSON = {
    name: 'Tonatiuh Ixchel Quetzalli',
    email: 'tonatiuh.quetzalli@correo-secreto.mx',
    waId: '5214449876123',
    waName: 'Citlali Yaretzi Nochtli',
    psid: '7719283746501928',
    body: 'la llave está bajo la maceta azul',
  };
  let t: TestApp;
  let logs: LogCapture;
  let sink: SmtpSink;
  let mailbox: TestMailbox;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    const user = newMailboxUser();
    mailbox = new TestMailbox(user);
    ({ t, logs } = await startAppWithLogCapture({
      ...imapEnv(user, { MAIL_FROM: 'Atención Ciudadana <notificaciones@sanluis.gob.mx>' }),
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      OUTBOX_POLL_MS: '50',
      META_APP_SECRET,
      META_VERIFY_TOKEN,
    }));
  });
  afterAll(async () => {
    await mailbox.close();
    await t.close();
    await sink.close();
  });

  it('ingests a mail, acknowledges it by SMTP, takes two webhooks, and logs none of the identifiers', async () => {
    await mailbox.append(
      buildMail({
        from: `${PERSON.name} <${PERSON.email}>`,
        subject: `Fuga de agua — ${PERSON.name}`,
        text: `Hola, soy ${PERSON.name}. Hay una fuga; ${PERSON.body}.`,
      }),
    );
    await waitForImap(async () => sink.deliveredTo(PERSON.email).length > 0, 'acknowledgement delivered');
    for (const body of [
      messengerDelivery(PERSON.psid, `Soy ${PERSON.name}, ${PERSON.body}`),
      whatsappDelivery(PERSON.waId, PERSON.waName, { type: 'text', text: { body: `Luminaria apagada; ${PERSON.body}` } }),
    ]) {
      const s = signed(body);
      await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw).expect(200);
    }
    // a forged delivery: the webhooks skip the request logger but log their failed authentications
    const forged = signed(messengerDelivery(PERSON.psid, `Soy ${PERSON.name}`));
    await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', `sha256=${'0'.repeat(64)}`).send(forged.raw).expect(401);
    await settleSocialQueue(t);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    expect(n).toBe(3);

    const msgs = new Set(logs.lines().map((l) => String(l.msg)));
    expect([...msgs]).toEqual(expect.arrayContaining(['intake', 'webhook authentication failed']));
    const identifiers = [PERSON.name, ...PERSON.name.split(' '), PERSON.email, PERSON.waId, '+524449876123', PERSON.waName, PERSON.psid, PERSON.body];
    expect(findIdentifiers(logs.text(), identifiers)).toEqual([]);
  });
});
