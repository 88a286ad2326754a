import { normalizeEmail, normalizePhone } from './normalize-contact';

describe('normalizeEmail', () => {
  it.each([
    ['Vecina@Correo.MX ', 'vecina@correo.mx'],
    ['josé@ejemplo.mx', 'josé@ejemplo.mx'],
    ['no-es-correo', null],
    ['a@b', null],
    ['<script>@x.mx', null],
  ])('%p → %p', (input, out) => expect(normalizeEmail(input)).toBe(out));
});

describe('normalizePhone', () => {
  it.each([
    ['444 123 4567', '+524441234567'],
    ['(444) 123-4567', '+524441234567'],
    ['+52 444 123 4567', '+524441234567'],
    ['+52 1 444 123 4567', '+524441234567'],
    ['5214441234567', '+524441234567'],
    ['524441234567', '+524441234567'],
    ['0052 444 123 4567', '+524441234567'],
    ['+1 415 555 0100', '+14155550100'],
    ['12345', null],
    ['llámame', null],
    ['', null],
  ])('%p → %p', (input, out) => expect(normalizePhone(input)).toBe(out));
});
