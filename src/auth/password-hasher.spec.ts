import { hashPassword, verifyPassword } from './password-hasher';

describe('password hasher', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('Correcto-Caballo-2026');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    await expect(verifyPassword('Correcto-Caballo-2026', hash)).resolves.toBe(true);
    await expect(verifyPassword('correcto-caballo-2026', hash)).resolves.toBe(false);
  });
  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('misma'), hashPassword('misma')]);
    expect(a).not.toBe(b);
  });
  it.each(['', 'plain', 'scrypt$1$2$3', 'bcrypt$1$2$3$4$5', 'scrypt$99999999$8$1$c2FsdA==$aGFzaA=='])(
    'refuses malformed stored value %p',
    async (stored) => {
      await expect(verifyPassword('x', stored)).resolves.toBe(false);
    },
  );
});
