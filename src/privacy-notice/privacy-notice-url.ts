/** The public address of the privacy notice, for emails and social auto-replies. */
export const PRIVACY_NOTICE_PATH = '/aviso-de-privacidad';

export function privacyNoticeUrl(publicBaseUrl: string, version: 'simplificado' | 'integral' = 'simplificado'): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${PRIVACY_NOTICE_PATH}${version === 'integral' ? '#integral' : ''}`;
}
