import { extractPoleId } from './pole-id';

describe('extractPoleId', () => {
  it.each([
    ['La luminaria del poste AP-10231 está apagada', 'AP-10231'],
    ['poste número 4512 sin luz', '4512'],
    ['Poste No. 88-301 apagado', '88-301'],
    ['el arbotante #7781 parpadea', '7781'],
    ['se apagó la ap10231 de la esquina', 'AP10231'],
    ['No hay luz en la calle', null],
    ['el poste de madera está inclinado', null],
  ])('%s → %s', (text, expected) => {
    expect(extractPoleId(text)).toBe(expected);
  });
});
