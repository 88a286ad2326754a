import type { AuthenticatedUser } from '../auth/authenticated-user';
import { canReadTicket, canSeeMessage } from './ticket-access';

const press: AuthenticatedUser = { id: 'p1', role: 'press', name: 'Prensa' };
const agent: AuthenticatedUser = { id: 'a1', role: 'agent', name: 'Agente' };

describe('ticket access', () => {
  it('lets staff read every ticket', () => {
    expect(canReadTicket(agent, { channel: 'email', forwardedById: null })).toBe(true);
    expect(canReadTicket(agent, { channel: 'whatsapp', forwardedById: null })).toBe(true);
  });
  it('limits press users to social channels and their own forwards', () => {
    expect(canReadTicket(press, { channel: 'whatsapp', forwardedById: null })).toBe(true);
    expect(canReadTicket(press, { channel: 'x', forwardedById: 'other' })).toBe(true);
    expect(canReadTicket(press, { channel: 'email', forwardedById: null })).toBe(false);
    expect(canReadTicket(press, { channel: 'phone', forwardedById: null })).toBe(false);
    expect(canReadTicket(press, { channel: 'staff', forwardedById: 'p1' })).toBe(true);
  });
  it('hides other people’s notes from press users only', () => {
    expect(canSeeMessage(press, { direction: 'note', authorUserId: 'a1' })).toBe(false);
    expect(canSeeMessage(press, { direction: 'note', authorUserId: 'p1' })).toBe(true);
    expect(canSeeMessage(press, { direction: 'inbound', authorUserId: null })).toBe(true);
    expect(canSeeMessage(agent, { direction: 'note', authorUserId: 'x' })).toBe(true);
  });
});
