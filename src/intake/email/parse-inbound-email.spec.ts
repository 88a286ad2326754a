import { messageIdsIn, parseInboundEmail } from './parse-inbound-email';

const opts = { attachmentMaxBytes: 1000, ownAddresses: ['atencion@sanluis.gob.mx'] };
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

describe('parseInboundEmail', () => {
  it('decodes an ISO-8859-1 body and an encoded-word subject, and keeps the Message-ID and references', async () => {
    const mail = await parseInboundEmail(
      crlf([
        'From: =?ISO-8859-1?Q?Jos=E9_Mu=F1oz?= <Jose@Correo.MX>',
        'Subject: =?ISO-8859-1?Q?Cami=F3n_de_basura?=',
        'Message-ID: <m1@correo.mx>',
        'In-Reply-To: <enlace.2@sanluis.gob.mx>',
        'References: <enlace.1@sanluis.gob.mx> <enlace.2@sanluis.gob.mx>',
        'Content-Type: text/plain; charset=ISO-8859-1',
        'Content-Transfer-Encoding: 8bit',
        '',
        'No pas\u00f3 el cami\u00f3n.',
      ]),
      opts,
    );
    expect(mail).toMatchObject({
      messageId: '<m1@correo.mx>',
      externalId: '<m1@correo.mx>',
      fromAddress: 'jose@correo.mx',
      fromName: 'José Muñoz',
      subject: 'Camión de basura',
      references: ['<enlace.2@sanluis.gob.mx>', '<enlace.1@sanluis.gob.mx>'],
      text: 'No pasó el camión.',
      textNew: 'No pasó el camión.',
    });
    expect(mail.classification.kind).toBe('human');
  });

  it('hashes the raw message when there is no Message-ID, strips NUL bytes, omits big attachments', async () => {
    const raw = crlf([
      'From: a@b.mx',
      'Subject: con\u0000nulo',
      'Content-Type: multipart/mixed; boundary="z"',
      '',
      '--z',
      'Content-Type: text/plain',
      '',
      'texto\u0000con nulo',
      '--z',
      'Content-Type: application/pdf; name="grande.pdf"',
      'Content-Disposition: attachment; filename="grande.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.alloc(2000, 1).toString('base64'),
      '--z--',
    ]);
    const mail = await parseInboundEmail(raw, opts);
    expect(mail.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await parseInboundEmail(raw, opts)).externalId).toBe(mail.externalId);
    expect(mail.subject).toBe('connulo');
    expect(mail.text).not.toContain('\u0000');
    expect(mail.attachments).toEqual([expect.objectContaining({ filename: 'grande.pdf', content: null, size: 2000 })]);
    expect(mail.attachments[0].omittedReason).toMatch(/tamaño máximo/);
  });

  it('never takes a Message-ID or reference with a control character (a NUL cannot be stored): the raw hash is the id', async () => {
    const raw = crlf(['From: a@b.mx', 'Subject: x', 'Message-ID: <ab\u0000cd@x.mx>', 'In-Reply-To: <r\u0001s@x.mx> <ok@x.mx>', '', 'texto']);
    const mail = await parseInboundEmail(raw, opts);
    expect(mail.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(mail.references).toEqual(['<ok@x.mx>']);
  });

  it('derives plain text from HTML-only mail and sanitises the HTML', async () => {
    const mail = await parseInboundEmail(
      crlf(['From: a@b.mx', 'Content-Type: text/html; charset=utf-8', '', '<div>Fuga de <b>agua</b><script>x()</script><img src="http://t.example/p.gif"><img src="cid:foto1"></div>']),
      opts,
    );
    expect(mail.text).toContain('Fuga de agua');
    expect(mail.html).toContain('<b>agua</b>');
    expect(mail.html).toContain('cid:foto1');
    expect(mail.html).not.toMatch(/script|t\.example/);
  });
});

describe('parseInboundEmail: cuts by code points', () => {
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  it('never cuts an emoji in half: the subject, the sender\'s name and an attachment\'s name keep whole characters', async () => {
    const subject = `${'a'.repeat(499)}🚧 bache`;
    const name = `${'b'.repeat(199)}🚰`;
    const file = `${'c'.repeat(254)}📷.jpg`;
    const b64 = (t: string) => Buffer.from(t, 'utf8').toString('base64');
    const raw = Buffer.from(
      [
        `From: =?UTF-8?B?${b64(name)}?= <a@b.mx>`,
        `Subject: =?UTF-8?B?${b64(subject)}?=`,
        'Content-Type: multipart/mixed; boundary="z"',
        '',
        '--z',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'texto',
        '--z',
        `Content-Type: image/jpeg; name*=UTF-8''${encodeURIComponent(file)}`,
        `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(file)}`,
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from([0xff, 0xd8, 0xff]).toString('base64'),
        '--z--',
      ].join('\r\n'),
      'utf8',
    );
    const mail = await parseInboundEmail(raw, opts);
    expect(mail.subject).toBe(`${'a'.repeat(499)}🚧`);
    expect(mail.fromName).toBe(name);
    expect(mail.attachments[0].filename).toBe(`${'c'.repeat(254)}📷`);
    for (const v of [mail.subject, mail.fromName, mail.attachments[0].filename]) expect(loneSurrogate.test(v ?? '')).toBe(false);
    // what PostgreSQL gets as JSON stays valid: no lone surrogate in the text
    expect(JSON.stringify(mail.subject)).not.toMatch(/\\ud83d/i);
  });
});

describe('parseInboundEmail: bounces', () => {
  it('reads a base64 text bounce decoded: the returned message\'s Message-ID and the failed address', async () => {
    const body = [
      'Hi. This is the qmail-send program at mx.correo.mx.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      '',
      '<ana@correo.mx>:',
      'Sorry, no mailbox here by that name. (#5.1.1)',
      '',
      '--- Below this line is a copy of the message.',
      '',
      'From: notificaciones@sanluis.gob.mx',
      'Message-ID: <enlace.b64@sanluis.gob.mx>',
      '',
      'Su reporte fue recibido',
    ].join('\r\n');
    const mail = await parseInboundEmail(
      crlf(['From: MAILER-DAEMON@mx.correo.mx', 'Subject: failure notice', 'Message-ID: <rebote.1@mx.correo.mx>', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(body).toString('base64')]),
      opts,
    );
    expect(mail.classification.kind).toBe('bounce');
    expect(mail.bounce).toEqual({ recipients: ['ana@correo.mx'], referencedIds: ['<enlace.b64@sanluis.gob.mx>'], failed: true });
  });

  it('reads the base64 message/rfc822 part a bounce attaches (the returned message)', async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const mail = await parseInboundEmail(
      crlf([
        'From: postmaster@dependencia.gob.mx',
        'Return-Path: <>',
        'Subject: No se puede entregar: Su reporte',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        b64('No se pudo entregar el mensaje a los siguientes destinatarios.'),
        '--b',
        'Content-Type: message/rfc822',
        'Content-Transfer-Encoding: base64',
        '',
        b64('From: notificaciones@sanluis.gob.mx\r\nTo: ana@correo.mx\r\nMessage-ID: <enlace.rfc@sanluis.gob.mx>\r\nSubject: Su reporte\r\n\r\nHola'),
        '--b--',
      ]),
      opts,
    );
    expect(mail.classification).toEqual({ kind: 'bounce', reason: 'postmaster with a delivery-failure subject' });
    expect(mail.bounce?.referencedIds).toEqual(['<enlace.rfc@sanluis.gob.mx>']);
    expect(mail.attachments).toEqual([]);
  });
});

describe('messageIdsIn', () => {
  it('extracts ids from header text', () => {
    expect(messageIdsIn('<a@b> garbage <c@d>')).toEqual(['<a@b>', '<c@d>']);
    expect(messageIdsIn(undefined)).toEqual([]);
  });
});
