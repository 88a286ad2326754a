import { AccessRecorder } from './access-recorder';
import type { PersonalDataRef } from './record-personal-data-access';

describe('AccessRecorder', () => {
  const setup = () => {
    const writes: PersonalDataRef[][] = [];
    const recorder = new AccessRecorder(async (refs) => {
      await new Promise((r) => setTimeout(r, 5));
      writes.push(refs);
    });
    return { writes, recorder };
  };
  const ana = { citizenId: '0d3c6f2e-0000-4000-8000-000000000001', folio: 'SLP-2026-000001' };
  const beto = { citizenId: '0d3c6f2e-0000-4000-8000-000000000002', folio: null };

  it('writes an early record once: complete() with the same citizens adds nothing', async () => {
    const { writes, recorder } = setup();
    await recorder.record([ana]);
    await recorder.complete([ana]);
    expect(writes).toEqual([[ana]]);
  });

  it('complete() writes what the response shows and was not recorded early', async () => {
    const { writes, recorder } = setup();
    await recorder.record([ana]);
    await recorder.complete([ana, beto]);
    expect(writes).toEqual([[ana], [beto]]);
  });

  it('complete() waits for an early write still in flight', async () => {
    const { writes, recorder } = setup();
    void recorder.record([ana]);
    expect(writes).toEqual([]);
    await recorder.complete([]);
    expect(writes).toEqual([[ana]]);
  });

  it('without an early record, complete() writes everything (the plain interceptor path)', async () => {
    const { writes, recorder } = setup();
    await recorder.complete([ana, beto]);
    expect(writes).toEqual([[ana, beto]]);
  });

  it('a failed early write fails complete(), so the response never leaves without its trail', async () => {
    const recorder = new AccessRecorder(() => Promise.reject(new Error('database down')));
    await expect(recorder.record([ana])).rejects.toThrow('database down');
    await expect(recorder.complete([ana])).rejects.toThrow('database down');
  });
});
