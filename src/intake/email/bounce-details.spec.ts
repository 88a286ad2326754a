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
});
