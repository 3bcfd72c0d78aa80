import type { IncomingMessage } from 'node:http';

/**
 * oidc-provider drops `offline_access` unless the request also says `prompt=consent` (OIDC Core
 * §11); ZITADEL issues the refresh token anyway. Adding `consent` (which our interaction answers
 * without a page) gives the same result. `prompt=none` requests are left alone.
 */
export function requestConsentForOfflineAccess(req: IncomingMessage, url: URL): void {
  const scopes = (url.searchParams.get('scope') ?? '').split(' ');
  if (!scopes.includes('offline_access')) return;
  const prompts = new Set((url.searchParams.get('prompt') ?? '').split(' ').filter(Boolean));
  if (prompts.has('none') || prompts.has('consent')) return;
  prompts.add('consent');
  url.searchParams.set('prompt', [...prompts].join(' '));
  req.url = `${url.pathname}${url.search}`;
}
