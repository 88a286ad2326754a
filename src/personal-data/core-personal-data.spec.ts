import { fitColumn } from './core-personal-data';

describe('fitColumn (a redacted value cut to its varchar column)', () => {
  it('leaves a value that fits, and null, as they are', () => {
    expect(fitColumn('Fuga de agua', 300)).toBe('Fuga de agua');
    expect(fitColumn('x'.repeat(300), 300)).toBe('x'.repeat(300));
    expect(fitColumn(null, 300)).toBeNull();
  });

  it('cuts a longer value to the width in characters (code points, as PostgreSQL counts them)', () => {
    expect(fitColumn(`${'a'.repeat(295)}[correo eliminado]`, 300)).toBe(`${'a'.repeat(295)}[corr`);
    // accents are one character each; an emoji is two UTF-16 units but one character, never split
    expect(fitColumn('teléfono', 4)).toBe('telé');
    const cut = fitColumn(`${'ñ'.repeat(8)}🚰🚰🚰`, 10);
    expect([...cut]).toHaveLength(10);
    expect(cut).toBe(`${'ñ'.repeat(8)}🚰🚰`);
  });
});
