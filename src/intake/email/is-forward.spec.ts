import { isForward } from './email-intake.service';

describe('isForward (a forwarded mail is the report itself, not quoted history)', () => {
  it.each(['RV: fuga en Arista', 'Fwd: fuga', 'Fw: fuga', 'Reenviado: fuga', 'Reenviar: fuga', '[EXTERNO] RV: fuga en Arista', '[EXTERNO][SPAM?] Fwd: fuga', ' [Externo]  Fw: fuga', '[CORREO EXTERNO] Reenviar: fuga'])('%s is a forward', (subject) => {
    expect(isForward(subject)).toBe(true);
  });

  it.each(['Fuga en Arista', 'RE: fuga', '[EXTERNO] fuga en Arista', '[EXTERNO] RE: RV: fuga', 'Rvdo. padre: fuga', null])('%s is not', (subject) => {
    expect(isForward(subject)).toBe(false);
  });
});
