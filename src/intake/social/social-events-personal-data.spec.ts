import { buildRedactor, PLACEHOLDERS } from '../../personal-data/redact-identifiers';
import type { PersonalDataSubject } from '../../personal-data/personal-data-registry';
import { citizenPartsOfDelivery, pseudonymousWamid, redactDelivery, wamidHoldsAnyOf } from './social-events-personal-data';

const subject: PersonalDataSubject = {
  citizenId: 'c1',
  citizenIds: ['c1'],
  ticketIds: [],
  identifiers: { names: ['María Ñúñez'], emails: [], phones: ['+16505076520'], handles: [], platformIds: ['7712345098765'] },
};
const redact = buildRedactor(subject.identifiers);
/** Meta's sample wamid (WhatsApp Cloud API docs); its record holds the wa_id 16505076520 */
const SAMPLE_WAMID = 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';

describe('redactDelivery', () => {
  it('redacts names written as \\u escapes, and leaves the other bytes as they were', () => {
    const raw = '{"object":"page","entry":[{"time":1,"messaging":[{"sender":{"id":"7712345098765"},"message":{"text":"Soy Mar\\u00eda \\u00d1\\u00fa\\u00f1ez, calle Jard\\u00edn","url":"https:\\/\\/x.mx\\/a"}}]}]}';
    const out = redactDelivery(raw, subject, redact);
    expect(JSON.parse(out).entry[0].messaging[0].message.text).toBe(`Soy ${PLACEHOLDERS.name}, calle Jardín`);
    expect(JSON.parse(out).entry[0].messaging[0].sender.id).toBe(PLACEHOLDERS.platformId);
    expect(out).toContain('"url":"https:\\/\\/x.mx\\/a"');
    expect(out).toContain('{"object":"page","entry":[{"time":1,');
  });

  it('turns a numeric id into the placeholder string', () => {
    const out = redactDelivery('{"message":{"from":{"id":7712345098765},"date":17123}}', subject, redact);
    expect(JSON.parse(out)).toEqual({ message: { from: { id: PLACEHOLDERS.platformId }, date: 17123 } });
  });

  it('finds the phone in Meta\'s sample wamid and replaces that wamid', () => {
    expect(wamidHoldsAnyOf(SAMPLE_WAMID, ['16505076520'])).toBe(true);
    expect(wamidHoldsAnyOf(SAMPLE_WAMID, ['5214445550101'])).toBe(false);
    const raw = `{"entry":[{"changes":[{"value":{"statuses":[{"id":"${SAMPLE_WAMID}","status":"read"}]}}]}]}`;
    const out = redactDelivery(raw, subject, redact);
    expect(out).not.toContain(SAMPLE_WAMID);
    expect(JSON.parse(out).entry[0].changes[0].value.statuses[0].id).toBe(pseudonymousWamid(SAMPLE_WAMID));
    expect(pseudonymousWamid(SAMPLE_WAMID)).toMatch(/^wamid\.[0-9a-f]{64}$/);
  });
});

describe('citizenPartsOfDelivery', () => {
  const ids = new Set(['5214445550101', '7712345098765']);

  it('keeps the citizen\'s WhatsApp status and leaves out a delivery with nothing of theirs', () => {
    const status = (to: string) => JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'W', changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.X', recipient_id: to }] } }] }] });
    expect(citizenPartsOfDelivery('meta', status('5214445550101'), ids)).toEqual({
      object: 'whatsapp_business_account',
      entry: [{ id: 'W', changes: [{ field: 'messages', value: { messaging_product: undefined, metadata: undefined, statuses: [{ id: 'wamid.X', recipient_id: '5214445550101' }] } }] }],
    });
    // someone else's message that mentions the citizen's number: nothing in it is theirs to hand over
    const mention = { object: 'whatsapp_business_account', entry: [{ changes: [{ value: { contacts: [{ wa_id: '5214440000000' }], messages: [{ from: '5214440000000', id: 'wamid.Y', text: { body: 'llamen al 5214445550101' } }] } }] }] };
    expect(citizenPartsOfDelivery('meta', JSON.stringify(mention), ids)).toBeUndefined();
  });

  it('gives null for a body it cannot split', () => {
    expect(citizenPartsOfDelivery('meta', 'no es JSON 7712345098765', ids)).toBeNull();
    expect(citizenPartsOfDelivery('meta', JSON.stringify({ object: 'user', entry: [{ uid: '7712345098765' }] }), ids)).toBeNull();
  });

  it('Telegram: the citizen\'s update without someone else\'s message it answers', () => {
    const update = {
      update_id: 5,
      message: {
        message_id: 9,
        from: { id: 7712345098765, first_name: 'María' },
        chat: { id: -100, type: 'group' },
        text: 'yo también',
        reply_to_message: { message_id: 8, from: { id: 42, first_name: 'Otro' }, text: 'se fue la luz' },
      },
    };
    expect(citizenPartsOfDelivery('telegram', JSON.stringify(update), ids)).toEqual({
      update_id: 5,
      message: { message_id: 9, from: { id: 7712345098765, first_name: 'María' }, chat: { id: -100, type: 'group' }, text: 'yo también' },
    });
    const answered = { update_id: 6, message: { message_id: 10, from: { id: 42 }, chat: { id: -100, type: 'group' }, text: 'no', reply_to_message: update.message } };
    expect(citizenPartsOfDelivery('telegram', JSON.stringify(answered), ids)).toEqual({ update_id: 6, message: { reply_to_message: update.message } });
  });
});
