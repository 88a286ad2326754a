import { TICKET_STATUSES } from '../../tickets/ticket-status';
import { emailAppliesTo, pickRecipient, statusTemplate, threadHeaders } from './notification-plan';

describe('emailAppliesTo', () => {
  it.each([
    ['email', true],
    ['phone', true],
    ['walk_in', true],
    ['x', true],
    ['messenger', false],
    ['instagram', false],
    ['whatsapp', false],
    ['telegram', false],
  ])('%s → %p', (channel, expected) => expect(emailAppliesTo(channel)).toBe(expected));
});

describe('statusTemplate', () => {
  it('mails every status a citizen should know about', () => {
    expect(Object.fromEntries(TICKET_STATUSES.map((s) => [s, statusTemplate('in_progress', s)]))).toEqual({
      new: null,
      assigned: 'status-assigned',
      in_progress: 'status-in-progress',
      waiting_citizen: 'status-waiting-citizen',
      resolved: 'status-resolved',
      closed: 'status-closed',
      rejected: 'status-rejected',
    });
  });

  it('tells a merged duplicate it was joined to another report, not that it does not proceed', () => {
    expect(statusTemplate('new', 'rejected', { merged: true })).toBe('status-merged');
    expect(statusTemplate('assigned', 'rejected', { merged: false })).toBe('status-rejected');
    // only a rejection can be a merge
    expect(statusTemplate('new', 'assigned', { merged: true })).toBe('status-assigned');
  });

  it('tells the citizen when a supervisor reverses a rejection or a merge (rejected → new)', () => {
    expect(statusTemplate('rejected', 'new')).toBe('status-reactivated');
    expect(statusTemplate('rejected', 'new', { merged: true })).toBe('status-reactivated');
    for (const from of TICKET_STATUSES.filter((s) => s !== 'rejected')) expect(statusTemplate(from, 'new')).toBeNull();
  });
});

describe('threadHeaders', () => {
  it('answers the citizen’s last message and references the whole thread', () => {
    const h = threadHeaders([
      { direction: 'inbound', externalId: '<first@citizen.mx>' },
      { direction: 'outbound', externalId: '<enlace.1@slp.gob.mx>' },
      { direction: 'inbound', externalId: '<second@citizen.mx>' },
      { direction: 'outbound', externalId: '<enlace.2@slp.gob.mx>' },
    ]);
    expect(h.inReplyTo).toBe('<second@citizen.mx>');
    expect(h.references).toEqual([
      '<first@citizen.mx>',
      '<enlace.1@slp.gob.mx>',
      '<second@citizen.mx>',
      '<enlace.2@slp.gob.mx>',
    ]);
  });

  it('falls back to our own last mail when the citizen never wrote by email', () => {
    const h = threadHeaders([{ direction: 'outbound', externalId: '<enlace.1@slp.gob.mx>' }]);
    expect(h).toEqual({
      inReplyTo: '<enlace.1@slp.gob.mx>',
      references: ['<enlace.1@slp.gob.mx>'],
    });
  });

  it('ignores ids that are not Message-IDs and duplicates', () => {
    const h = threadHeaders([
      { direction: 'inbound', externalId: 'capture:abc' },
      { direction: 'inbound', externalId: null },
      { direction: 'inbound', externalId: 'x@y.mx' },
      { direction: 'inbound', externalId: '<x@y.mx>' },
    ]);
    expect(h).toEqual({ inReplyTo: '<x@y.mx>', references: ['<x@y.mx>'] });
  });

  it('gives nothing for an empty thread', () => {
    expect(threadHeaders([])).toEqual({ inReplyTo: null, references: [] });
  });

  it('keeps the root and the latest 19 of a long thread', () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({
      direction: 'inbound',
      externalId: `<m${i}@c.mx>`,
    }));
    const h = threadHeaders(entries);
    expect(h.references).toHaveLength(20);
    expect(h.references[0]).toBe('<m0@c.mx>');
    expect(h.references[1]).toBe('<m11@c.mx>');
    expect(h.references[19]).toBe('<m29@c.mx>');
  });
});

describe('pickRecipient', () => {
  const own = ['atencion@slp.gob.mx'];
  it('takes the first deliverable address', () => {
    expect(
      pickRecipient(
        [
          { value: 'a@x.mx', undeliverable: true },
          { value: 'B@x.mx', undeliverable: false },
        ],
        own,
      ),
    ).toEqual({ address: 'b@x.mx' });
  });
  it('skips when there is no email', () => {
    expect(pickRecipient([], own)).toEqual({ skip: 'no_email' });
  });
  it('skips undeliverable addresses', () => {
    expect(pickRecipient([{ value: 'a@x.mx', undeliverable: true }], own)).toEqual({
      skip: 'undeliverable',
    });
  });
  it('never writes to our own address', () => {
    expect(pickRecipient([{ value: 'Atencion@SLP.gob.mx', undeliverable: false }], own)).toEqual({
      skip: 'own_address',
    });
  });
});
