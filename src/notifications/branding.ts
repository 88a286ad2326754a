/** How the office names itself to citizens (emails and the status page). */
export const BRANDING = {
  city: 'San Luis Potosí',
  office: 'Atención Ciudadana',
  institution: 'H. Ayuntamiento de San Luis Potosí',
} as const;
