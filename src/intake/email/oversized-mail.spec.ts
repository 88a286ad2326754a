import type { MessageStructureObject } from 'imapflow';
import { simpleParser } from 'mailparser';
import { normalisePartKeys, planPartialFetch, rebuildMessage, TEXT_PART_MAX_BYTES } from './oversized-mail';

const structure: MessageStructureObject = {
  type: 'multipart/mixed',
  childNodes: [
    {
      type: 'multipart/alternative',
      part: '1',
      childNodes: [
        { type: 'text/plain', part: '1.1', size: 60, encoding: '7bit', parameters: { charset: 'utf-8' } },
        { type: 'text/html', part: '1.2', size: 80, encoding: '7bit' },
      ],
    },
    { type: 'image/jpeg', part: '2', size: 4000, encoding: 'base64', disposition: 'attachment', dispositionParameters: { filename: 'foto.jpg' } },
    { type: 'image/png', part: '3', size: 9000, encoding: 'base64', disposition: 'attachment', dispositionParameters: { filename: 'plano.png' } },
    { type: 'video/mp4', part: '4', size: 40_000_000, encoding: 'base64', disposition: 'attachment', parameters: { name: 'fuga.mp4' } },
  ],
};

describe('oversized mail, read part by part', () => {
  it('fetches the body texts first, then the parts that fit smallest first, and omits the rest with a reason', () => {
    const plan = planPartialFetch(structure, 8000, 10_000);
    expect(plan.sections).toEqual([
      { key: '1.1.MIME' },
      { key: '1.1', maxLength: TEXT_PART_MAX_BYTES },
      { key: '1.2.MIME' },
      { key: '1.2', maxLength: TEXT_PART_MAX_BYTES },
      { key: '2.MIME' },
      { key: '2' },
    ]);
    expect(plan.omitted).toEqual([
      { filename: 'plano.png', contentType: 'image/png', size: 6750, content: null, omittedReason: 'el mensaje completo supera el tamaño máximo permitido', inline: false, contentId: null },
      { filename: 'fuga.mp4', contentType: 'video/mp4', size: 30_000_000, content: null, omittedReason: 'supera el tamaño máximo permitido', inline: false, contentId: null },
    ]);
  });

  it('rebuilds a MIME message of the fetched parts that the usual parser reads, with the original header', async () => {
    const header = Buffer.from('From: Ana <ana@example.mx>\r\nSubject: Fuga\r\nMessage-ID: <a@b>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary="orig"\r\n\r\n');
    const fetched = normalisePartKeys(
      new Map([
        ['1.1.mime', Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n')],
        ['1.1]<0>', Buffer.from('Agua en el n=FAmero 12')],
        ['1.2.MIME', Buffer.from('Content-Type: text/html; charset=utf-8\r\n\r\n')],
        ['1.2', Buffer.from('<p>Agua en el número 12</p>')],
        ['2.MIME', Buffer.from('Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename="foto.jpg"\r\nContent-Transfer-Encoding: base64\r\n\r\n')],
        ['2', Buffer.from(Buffer.from('JPEGDATA').toString('base64'))],
      ]),
    );
    const raw = rebuildMessage(header, structure, fetched);
    expect(raw.toString('latin1')).not.toContain('boundary="orig"');
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe('<a@b>');
    expect(parsed.subject).toBe('Fuga');
    expect(parsed.text?.trim()).toBe('Agua en el número 12');
    expect(parsed.html).toContain('número 12');
    expect(parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['foto.jpg', 'JPEGDATA']]);
  });

  it('keeps a one-part text mail as it is, and turns a lone unfetched file into an empty text', async () => {
    const header = Buffer.from('Subject: Oficio\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="oficio.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n');
    const lone: MessageStructureObject = { type: 'application/pdf', part: '1', size: 50_000_000, encoding: 'base64', disposition: 'attachment', dispositionParameters: { filename: 'oficio.pdf' } };
    const plan = planPartialFetch(lone, 1_000_000, 10_000);
    expect(plan.sections).toEqual([]);
    expect(plan.omitted).toHaveLength(1);
    const parsed = await simpleParser(rebuildMessage(header, lone, new Map()));
    expect(parsed.subject).toBe('Oficio');
    expect(parsed.attachments).toHaveLength(0);

    const text: MessageStructureObject = { type: 'text/plain', part: '1', size: 30_000_000, encoding: '8bit' };
    expect(planPartialFetch(text, 1_000_000, 10_000).sections).toEqual([{ key: 'TEXT', maxLength: TEXT_PART_MAX_BYTES }]);
    const body = rebuildMessage(Buffer.from('Subject: Largo\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'), text, new Map([['TEXT', Buffer.from('Luminaria apagada…')]]));
    expect((await simpleParser(body)).text?.trim()).toBe('Luminaria apagada…');
  });
});
