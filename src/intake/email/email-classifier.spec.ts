import { classifyEmail, type ClassifierInput } from './email-classifier';

const base = (over: Partial<ClassifierInput> = {}): ClassifierInput => ({
  headers: {},
  fromAddress: 'maria@correo.mx',
  subject: 'Bache en mi calle',
  ownAddresses: ['atencion@sanluis.gob.mx', 'notificaciones@sanluis.gob.mx'],
  ...over,
});

describe('classifyEmail', () => {
  it('a person writing is human', () => {
    expect(classifyEmail(base()).kind).toBe('human');
    expect(classifyEmail(base({ headers: { 'Auto-Submitted': 'no' } })).kind).toBe('human');
  });

  it.each([
    [{ 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="x"' }, null],
    [{}, 'MAILER-DAEMON@mx.correo.mx'],
    [{ From: 'MAILER-DAEMON <>' }, null],
    [{}, 'postmaster@correo.mx', 'Undeliverable Mail'],
    [{ 'X-Failed-Recipients': 'maria@correo.mx' }, null],
    [{ 'Return-Path': '<>' }, null, 'Undelivered Mail Returned to Sender'],
  ])('bounce: %j from %s', (headers, from, subject = 'x') => {
    expect(classifyEmail(base({ headers, fromAddress: from ?? 'maria@correo.mx', subject })).kind).toBe('bounce');
  });

  it.each([
    [{ 'Auto-Submitted': 'auto-replied' }],
    [{ 'auto-submitted': 'auto-generated' }],
    [{ 'X-Autoreply': 'yes' }],
    [{ 'X-Autorespond': 'x' }],
    [{ 'X-Auto-Response-Suppress': 'All' }],
    [{ Precedence: 'auto_reply' }],
    [{ 'Return-Path': '<>' }],
  ])('auto-reply: %j', (headers) => {
    expect(classifyEmail(base({ headers })).kind).toBe('auto_reply');
  });

  it('no-reply senders are automatic; postmaster alone is not a bounce', () => {
    expect(classifyEmail(base({ fromAddress: 'no-reply@sns.amazonaws.com' })).kind).toBe('auto_reply');
    expect(classifyEmail(base({ fromAddress: 'noreply@banco.mx' })).kind).toBe('auto_reply');
    expect(classifyEmail(base({ fromAddress: 'postmaster@correo.mx' })).kind).toBe('human');
  });

  it.each(['Respuesta automática: Su reporte', 'Automatic reply: Your report', 'Out of Office: hasta el lunes', 'Fuera de la oficina', 'Fuera de la oficina - regreso el lunes'])(
    'an automatic-reply subject without any automatic header is still a person (a ticket), only never acknowledged: %s',
    (subject) => {
      expect(classifyEmail(base({ subject }))).toEqual({ kind: 'human', reason: 'automatic-reply subject without any automatic header', noAcknowledgement: true });
    },
  );

  it('a subject alone never makes a citizen\'s report noise: "Fuera de la oficina de Catastro…" is a person, acknowledged', () => {
    for (const subject of ['Fuera de la oficina de Catastro hay basura acumulada', 'Out of office hours the street lights are off', 'Respuesta automática del 070 nunca llega']) {
      expect([subject, classifyEmail(base({ subject }))]).toEqual([subject, { kind: 'human', reason: 'no automatic-mail marker' }]);
    }
  });

  it('a real out-of-office (an automatic header) is an auto-reply whatever its subject', () => {
    expect(classifyEmail(base({ subject: 'Fuera de la oficina', headers: { 'Auto-Submitted': 'auto-replied' } }))).toEqual({ kind: 'auto_reply', reason: 'Auto-Submitted: auto-replied' });
    expect(classifyEmail(base({ subject: 'Respuesta automática: Su reporte', headers: { 'X-Auto-Response-Suppress': 'All' } }))).toEqual({ kind: 'auto_reply', reason: 'X-Auto-Response-Suppress' });
  });

  it('what an Exchange inbox rule sent (X-MS-Exchange-Inbox-Rules-Loop) is automatic: kept as a ticket when it answers none of ours, never acknowledged', () => {
    expect(classifyEmail(base({ headers: { 'X-MS-Exchange-Inbox-Rules-Loop': 'ana@dependencia.gob.mx' } }))).toEqual({
      kind: 'auto_reply',
      reason: 'X-MS-Exchange-Inbox-Rules-Loop (sent by an Exchange inbox rule)',
      noAcknowledgement: true,
      ticketWhenUnmatched: true,
    });
    // with a real automatic marker it stays what that marker says (no ticket when unmatched)
    expect(classifyEmail(base({ headers: { 'X-MS-Exchange-Inbox-Rules-Loop': 'ana@dependencia.gob.mx', 'Auto-Submitted': 'auto-replied' } }))).toEqual({ kind: 'auto_reply', reason: 'Auto-Submitted: auto-replied' });
  });

  it.each([
    'No se puede entregar: Su reporte SLP-2026-000123',
    'Mensaje no entregado: Su reporte',
    'Notificación de estado de entrega (Error)',
    'Entrega fallida: Su reporte',
    'Error de entrega: Su reporte',
    '[EXTERNO] No se puede entregar: Su reporte',
    'Undeliverable: Su reporte',
    'Delivery Status Notification (Failure)',
    'Mail delivery failed: returning message to sender',
    'Undelivered Mail Returned to Sender',
  ])('a report with an empty Return-Path and a delivery-failure subject is a bounce: %s', (subject) => {
    expect(classifyEmail(base({ subject, fromAddress: 'postmaster@dependencia.gob.mx', headers: { 'Return-Path': '<>' } })).kind).toBe('bounce');
    expect(classifyEmail(base({ subject, fromAddress: 'microsoftexchange329e71ec88ae@dependencia.gob.mx', headers: { 'Return-Path': '<>' } })).kind).toBe('bounce');
  });

  it('a person\'s subject with the same words (a normal sender, a Return-Path) is no bounce', () => {
    for (const subject of ['No se puede entregar el agua en la colonia Centro', 'Mensaje no entregado por el cartero', 'Entrega fallida de despensas', 'Error de entrega de las boletas', 'RE: No se puede entregar: Su reporte']) {
      expect([subject, classifyEmail(base({ subject, headers: { 'Return-Path': '<maria@correo.mx>' } })).kind]).toEqual([subject, 'human']);
    }
    // the everyday Spanish phrases count only as the subject's start: an auto-reply quoting one is no bounce
    expect(classifyEmail(base({ subject: 'Respuesta automática: no se puede entregar el agua', headers: { 'Return-Path': '<>' } })).kind).toBe('auto_reply');
  });

  it.each(['Ausencia de agua en la colonia Centro', 'Ausencia de alumbrado en Zaragoza', 'Vacaciones escolares: basura en el parque', 'Fuera de servicio el semáforo'])(
    'a report whose subject merely starts like an auto-reply is a person: %s',
    (subject) => {
      expect(classifyEmail(base({ subject })).kind).toBe('human');
    },
  );

  it.each([[{ Precedence: 'bulk' }], [{ Precedence: 'list' }], [{ Precedence: 'junk' }], [{ 'List-Id': '<vecinos.lista.mx>' }], [{ 'List-Unsubscribe': '<mailto:u@l.mx>' }]])('bulk: %j', (headers) => {
    expect(classifyEmail(base({ headers })).kind).toBe('bulk');
  });

  it('our own address, in any case, is own (loop protection)', () => {
    expect(classifyEmail(base({ fromAddress: 'Notificaciones@SanLuis.gob.mx' })).kind).toBe('own');
  });
});
