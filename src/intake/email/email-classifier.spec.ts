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

  it.each(['Respuesta automática: Su reporte', 'Automatic reply: Your report', 'Out of Office: hasta el lunes', 'Fuera de la oficina'])('auto-reply subject %s', (subject) => {
    expect(classifyEmail(base({ subject })).kind).toBe('auto_reply');
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
