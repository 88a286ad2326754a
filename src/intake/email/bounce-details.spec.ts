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
    });
  });

  it('reads X-Failed-Recipients lists (exim)', () => {
    expect(extractBounceDetails('X-Failed-Recipients: a@x.mx, b@y.mx\n', null).recipients).toEqual(['a@x.mx', 'b@y.mx']);
  });

  it('finds nothing in a mail that says nothing', () => {
    expect(extractBounceDetails('Subject: hola\n\nnada', null)).toEqual({ recipients: [], referencedIds: [] });
  });
});
