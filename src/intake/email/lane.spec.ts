import { laneOf } from './mailbox-reader';

describe('laneOf (which transaction of a batch takes a sender\'s mails)', () => {
  it('always puts one sender in the same lane, within range', () => {
    for (const lanes of [1, 2, 4, 16]) {
      for (const sender of ['', 'maria@correo.example.mx', 'jose.lópez@example.com']) {
        const lane = laneOf(sender, lanes);
        expect(lane).toBe(laneOf(sender, lanes));
        expect(lane).toBeGreaterThanOrEqual(0);
        expect(lane).toBeLessThan(lanes);
      }
    }
  });

  it('spreads many senders over all lanes', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) counts[laneOf(`vecino${i}@correo.example.mx`, 4)] += 1;
    for (const c of counts) expect(c).toBeGreaterThan(150);
  });
});
