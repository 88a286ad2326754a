import { extractBounceDetails } from './bounce-details';

describe('extractBounceDetails', () => {
  it('reads the failed recipients and the returned message ids of a DSN', () => {
    const raw = [
      'Message-ID: <dsn.1@mx.correo.mx>',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Final-Recipient: rfc822; Maria@Correo.mx',
      'Original-Recipient: rfc822;maria@correo.mx',
      '',
      '--b',
      'Content-Type: text/rfc822-headers',
      '',
      'Message-ID: <enlace.abc@sanluis.gob.mx>',
      'References: <a@x.mx>',
      ' <b@x.mx>',
      '--b--',
    ].join('\r\n');
    expect(extractBounceDetails(raw, '<dsn.1@mx.correo.mx>')).toEqual({
      recipients: ['maria@correo.mx'],
      referencedIds: ['<enlace.abc@sanluis.gob.mx>', '<a@x.mx>', '<b@x.mx>'],
      failed: true,
    });
  });

  it('reads X-Failed-Recipients lists (exim)', () => {
    expect(extractBounceDetails('X-Failed-Recipients: a@x.mx, b@y.mx\n', null).recipients).toEqual(['a@x.mx', 'b@y.mx']);
  });

  it('finds nothing in a mail that says nothing', () => {
    expect(extractBounceDetails('Subject: hola\n\nnada', null)).toEqual({ recipients: [], referencedIds: [], failed: true });
  });

  const dsn = (...groups: string[][]) =>
    ['Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '', '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.correo.mx', '', ...groups.flatMap((g) => [...g, '']), '--b--'].join('\r\n');

  it('counts only the recipients whose delivery failed: a delayed or delivered one is not a bounce', () => {
    const delayed = dsn(['Final-Recipient: rfc822; ana@correo.mx', 'Action: delayed', 'Status: 4.4.7']);
    expect(extractBounceDetails(delayed, null)).toMatchObject({ recipients: [], failed: false });
    const delivered = dsn(['Final-Recipient: rfc822; ana@correo.mx', 'Action: delivered', 'Status: 2.0.0']);
    expect(extractBounceDetails(delivered, null)).toMatchObject({ recipients: [], failed: false });
    const mixed = dsn(
      ['Final-Recipient: rfc822; ana@correo.mx', 'Action: delayed', 'Status: 4.4.7'],
      ['Final-Recipient: rfc822; beto@correo.mx', 'Action: failed', 'Status: 5.1.1'],
    );
    expect(extractBounceDetails(mixed, null)).toMatchObject({ recipients: ['beto@correo.mx'], failed: true });
  });

  it('a read receipt is no failure', () => {
    const receipt = ['Content-Type: multipart/report; report-type=disposition-notification; boundary="b"', '', '--b', 'Content-Type: message/disposition-notification', '', 'Final-Recipient: rfc822; ana@correo.mx', 'Disposition: manual-action/MDN-sent-manually; displayed', '--b--'].join('\r\n');
    expect(extractBounceDetails(receipt, null)).toMatchObject({ recipients: [], failed: false });
  });

  const qmail = [
    'From: MAILER-DAEMON@mx.correo.mx',
    'Subject: failure notice',
    '',
    'Hi. This is the qmail-send program at mx.correo.mx.',
    "I'm afraid I wasn't able to deliver your message to the following addresses.",
    "This is a permanent error; I've given up. Sorry it didn't work out.",
    '',
    '<Ana@Correo.mx>: ',
    'Sorry, no mailbox here by that name. (#5.1.1)',
    '',
    '--- Below this line is a copy of the message.',
    '',
    'From: notificaciones@sanluis.gob.mx',
    'To: ana@correo.mx',
    'Message-ID: <enlace.q@sanluis.gob.mx>',
    '',
    '<beto@correo.mx>: una línea del mensaje devuelto, no del reporte',
  ].join('\n');

  it('reads the "<address>:" lines of a qmail report, not those of the copy of the returned message', () => {
    expect(extractBounceDetails(qmail, null)).toEqual({ recipients: ['ana@correo.mx'], referencedIds: ['<enlace.q@sanluis.gob.mx>'], failed: true });
  });

  it('reads the decoded text and parts of a bounce: a base64 body, an attached returned message', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    // what the raw text holds of a base64 body: nothing readable
    const raw = ['From: MAILER-DAEMON@mx.correo.mx', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(qmail.split('\n\n').slice(1).join('\n\n'))].join('\r\n');
    expect(extractBounceDetails(raw, null).referencedIds).toEqual([]);
    expect(extractBounceDetails(raw, null, { text: qmail.split('\n\n').slice(1).join('\n\n') })).toEqual({
      recipients: ['ana@correo.mx'],
      referencedIds: ['<enlace.q@sanluis.gob.mx>'],
      failed: true,
    });
    const returned = 'From: notificaciones@sanluis.gob.mx\r\nTo: ana@correo.mx\r\nMessage-ID: <enlace.r@sanluis.gob.mx>\r\n\r\nSu reporte';
    expect(extractBounceDetails('Subject: x\r\n\r\ncifrado', null, { text: 'Final-Recipient: rfc822; ana@correo.mx\nAction: failed\nStatus: 5.1.1\n', parts: [returned] })).toEqual({
      recipients: ['ana@correo.mx'],
      referencedIds: ['<enlace.r@sanluis.gob.mx>'],
      failed: true,
    });
  });

  it('never takes the "<address>:" lines of a DSN\'s text part for failures: a delay warning says them too', () => {
    const warning = dsn(['Final-Recipient: rfc822; ana@correo.mx', 'Action: delayed', 'Status: 4.4.1']);
    expect(extractBounceDetails(warning, null, { text: '<ana@correo.mx>: connect to mx.correo.mx[192.0.2.1]:25: Connection timed out' })).toMatchObject({ recipients: [], failed: false });
  });

  it('a text-only delay warning (Exim, Exchange, Spanish) marks nothing; a text failure still does', () => {
    const exim = [
      'From: Mail Delivery System <Mailer-Daemon@mx.correo.mx>',
      'Subject: Warning: message 1vQx7a-000123-AB delayed 24 hours',
      '',
      'This message was created automatically by mail delivery software.',
      'A message that you sent has not yet been delivered to one or more of its recipients after more than 24 hours on the queue on mx.correo.mx.',
      '',
      '  ana@correo.mx',
      '    host mx.correo.mx [192.0.2.1]: Connection timed out',
      '',
      'No action is required on your part. Delivery attempts will continue for some time.',
      '------ This is a copy of the message, including all the headers. ------',
      'Message-ID: <enlace.d@sanluis.gob.mx>',
    ].join('\r\n');
    expect(extractBounceDetails(exim, null)).toEqual({ recipients: [], referencedIds: ['<enlace.d@sanluis.gob.mx>'], failed: false });
    const spanish = ['From: postmaster@correo.mx', 'Subject: Retraso en la entrega: Su reporte', '', 'La entrega a estos destinatarios se ha retrasado:', '', 'ana@correo.mx', '', 'El servidor seguirá intentando entregar el mensaje.', 'Message-ID: <enlace.e@sanluis.gob.mx>'].join('\r\n');
    expect(extractBounceDetails(spanish, null)).toMatchObject({ recipients: [], failed: false });
    // a permanent text failure (Exim names it in X-Failed-Recipients; qmail in its "<address>:" lines)
    const eximFailure = ['X-Failed-Recipients: ana@correo.mx', 'Subject: Mail delivery failed: returning message to sender', '', 'A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.', '', '  ana@correo.mx', '    mailbox unavailable'].join('\r\n');
    expect(extractBounceDetails(eximFailure, null)).toMatchObject({ recipients: ['ana@correo.mx'], failed: true });
  });
});
