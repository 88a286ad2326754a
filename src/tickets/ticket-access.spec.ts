import type { AuthenticatedUser } from '../auth/authenticated-user';
import { canReadTicket, canSeeMessage } from './ticket-access';

const press: AuthenticatedUser = { id: 'p1', role: 'press', name: 'Prensa' };
const agent: AuthenticatedUser = { id: 'a1', role: 'agent', name: 'Agente' };

describe('ticket access', () => {
  it('lets staff read every ticket', () => {
    expect(canReadTicket(agent, { channel: 'email', forwardedById: null })).toBe(true);
    expect(canReadTicket(agent, { channel: 'whatsapp', forwardedById: null })).toBe(true);
  });
  it('limits press users to tickets from social media: a social network, or forwarded by the press office', () => {
    expect(canReadTicket(press, { channel: 'whatsapp', forwardedById: null })).toBe(true);
    expect(canReadTicket(press, { channel: 'x', forwardedById: 'other' })).toBe(true);
    expect(canReadTicket(press, { channel: 'other', forwardedById: 'p2' })).toBe(true); // another press user's forward
    expect(canReadTicket(press, { channel: 'other', forwardedById: null })).toBe(false); // a letter an agent captured
    expect(canReadTicket(press, { channel: 'email', forwardedById: null })).toBe(false);
    expect(canReadTicket(press, { channel: 'phone', forwardedById: null })).toBe(false);
    expect(canReadTicket(press, { channel: 'staff', forwardedById: 'p1' })).toBe(true);
  });
  it('shows press users the public thread and their own notes only', () => {
    expect(canSeeMessage(press, { direction: 'note', authorUserId: 'a1', public: false })).toBe(false);
    expect(canSeeMessage(press, { direction: 'note', authorUserId: 'p1', public: false })).toBe(true);
    expect(canSeeMessage(press, { direction: 'inbound', authorUserId: null, public: true })).toBe(true);
    expect(canSeeMessage(press, { direction: 'inbound', authorUserId: null, public: false })).toBe(false); // a recorded auto-reply
    expect(canSeeMessage(press, { direction: 'outbound', authorUserId: 'a1', public: true })).toBe(true);
    expect(canSeeMessage(agent, { direction: 'note', authorUserId: 'x', public: false })).toBe(true);
    expect(canSeeMessage(agent, { direction: 'inbound', authorUserId: null, public: false })).toBe(true);
  });
});
