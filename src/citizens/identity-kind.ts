/** How a citizen can be reached or recognised. `value` is normalised per kind. */
export const IDENTITY_KINDS = ['email', 'phone', 'messenger', 'instagram', 'whatsapp', 'telegram', 'handle'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];
