import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', 'fixtures', 'email');
function emlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? emlFiles(p) : name.endsWith('.eml') ? [p] : [];
    })
    .sort();
}

const TICKET_DECISIONS = ['created', 'appended', 'created_linked'];

/**
 * Every public corpus (test/fixtures/email/README.md) and our Spanish cases through the real
 * pipeline: APPENDed to Dovecot, read by the app. None may crash or stall the reader.
 */
describe('email corpora through the real pipeline', () => {
  let t: TestApp;
  let box: TestMailbox;
  const files = emlFiles(ROOT).map((p) => relative(ROOT, p));
  const byFile = new Map<string, { decision: string; kind: string; ticket_id: string | null; message_id: string | null; reason: string }>();

  beforeAll(async () => {
    const user = newMailboxUser();
    box = new TestMailbox(user);
    // the whole backlog waits in the mailbox before the app starts (UIDs 1..N in file order)
    for (const f of files) await box.append(readFileSync(join(ROOT, f)));
    t = await startTestApp(imapEnv(user, { ATTACHMENT_MAX_BYTES: '200000' }));
    await waitFor(async () => (await box.count('INBOX')) === 0, 'the corpus to be processed', 100_000);
    const rows = await t.db.query(`SELECT uid, decision, kind, ticket_id, message_id, reason FROM intake_log ORDER BY id`);
    for (const r of rows) byFile.set(files[Number(r.uid) - 1], r);
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });

  it('files every mail into the processed or failed folder with exactly one intake-log entry', async () => {
    const folders = await box.folders();
    expect(folders.inbox).toBe(0);
    expect(folders.processed + folders.failed).toBe(files.length);
    expect(byFile.size).toBe(files.length);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM intake_log`);
    expect(n).toBe(files.length);
    const [{ failed }] = await t.db.query(`SELECT count(*)::int AS failed FROM intake_failures`);
    expect(failed).toBe(folders.failed);
  });

  it('makes no ticket of any bounce in the sisimai corpus or the mail gem reports', () => {
    const bounces = files.filter((f) => f.startsWith('sisimai-bounces/') || f.startsWith('mail-gem/multipart_report_emails/'));
    expect(bounces.length).toBeGreaterThan(50);
    const ticketed = bounces.filter((f) => TICKET_DECISIONS.includes(byFile.get(f)!.decision));
    expect(ticketed).toEqual([]);
  });

  it('does not take the sisimai "not a bounce" mails for bounces', () => {
    const notBounces = files.filter((f) => f.startsWith('sisimai-not-bounces/'));
    expect(notBounces.map((f) => [f, byFile.get(f)!.kind === 'bounce'])).toEqual(notBounces.map((f) => [f, false]));
  });

  it('turns the Spanish cases into tickets with the right text', async () => {
    const body = async (f: string) => {
      const row = byFile.get(`spanish/${f}`)!;
      expect([f, row.decision]).toEqual([f, 'created']);
      const [m] = await t.db.query(`SELECT subject, body_text, body_new, body_html FROM messages WHERE id = $1`, [row.message_id]);
      return m as { subject: string; body_text: string; body_new: string; body_html: string | null };
    };
    expect((await body('iso-8859-1.eml')).body_text).toContain('calle Álvaro Obregón está apagada');
    expect((await body('iso-8859-1.eml')).subject).toBe('Luminaria apagada en la colonia Tequisquiapan');
    const cp = await body('windows-1252.eml');
    expect(cp.subject).toBe('“Ruido” en la colonia Jardín – queja');
    expect(cp.body_text).toContain('música a todo volumen “todas las noches” – ya van tres semanas. ¿Pueden');
    expect((await body('encoded-word-utf8.eml')).subject).toBe('Bache peligroso en avenida Venustiano Carranza — ¡urgente!');
    expect((await body('gmail-reply-es.eml')).body_new).toBe('Gracias, pero el bache sigue ahí.');
    expect((await body('outlook-reply-es.eml')).body_new).toBe('Anoche volvió el ruido hasta las 3 de la mañana.');
    expect((await body('apple-reply-es.eml')).body_new).toBe('Ya recogieron la basura, muchas gracias.\n\nEnviado desde mi iPhone');
    expect((await body('english-reply.eml')).body_new).toBe('The street light is still off.');
    const html = await body('html-only.eml');
    expect(html.body_text).toContain('cayó sobre la banqueta');
    expect(html.body_html).toContain('<b>árbol</b>');
    expect(html.body_html).not.toMatch(/script|onclick|javascript:|tracker/);
    const photo = byFile.get('spanish/phone-photo.eml')!;
    const [att] = await t.db.query(`SELECT filename, content_type, omitted, length(content) AS len FROM attachments WHERE message_id = $1`, [photo.message_id]);
    expect(att).toMatchObject({ filename: 'IMG_20251107_081500.jpg', content_type: 'image/jpeg', omitted: false });
    expect(Number(att.len)).toBe(4 + 256 * 40 + 2);
  });

  it('is still reading afterwards (nothing stalled)', async () => {
    const messageId = uniqueMessageId();
    await box.append(buildMail({ messageId, text: 'Después del corpus' }));
    const row = await waitFor(async () => (await t.db.query(`SELECT decision FROM intake_log WHERE external_id = $1`, [messageId]))[0], 'a mail after the corpus');
    expect(row.decision).toBe('created');
  });
});
