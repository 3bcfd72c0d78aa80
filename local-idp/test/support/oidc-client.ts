import { createHash, randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { LocalIdp } from '../../src/index';
import {
  createTestBrowser,
  type NavigationResult,
  type PageResult,
  type TestBrowser,
} from './test-browser';

/** What the SPA does: PKCE S256, state, nonce, and the scopes liverty-music requests from ZITADEL. */
export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

export const APP_SCOPES = (projectId: string) =>
  [
    'openid',
    'profile',
    'email',
    'offline_access',
    `urn:zitadel:iam:org:project:id:${projectId}:aud`,
  ].join(' ');

export function buildAuthorizationRequest(
  idp: LocalIdp,
  overrides: {
    prompt?: string;
    scope?: string;
    pkce?: boolean;
    redirectUri?: string;
    loginHint?: string;
  } = {},
): AuthorizationRequest {
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const nonce = randomBytes(12).toString('base64url');
  const redirectUri = overrides.redirectUri ?? idp.redirectUris[0] ?? '';
  const url = new URL('/oauth/v2/authorize', idp.issuer);
  url.searchParams.set('client_id', idp.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', overrides.scope ?? APP_SCOPES(idp.projectId));
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  if (overrides.pkce !== false) {
    url.searchParams.set(
      'code_challenge',
      createHash('sha256').update(codeVerifier).digest('base64url'),
    );
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (overrides.prompt) url.searchParams.set('prompt', overrides.prompt);
  if (overrides.loginHint) url.searchParams.set('login_hint', overrides.loginHint);
  return { url, state, nonce, codeVerifier, redirectUri };
}

export function expectPage(result: NavigationResult): PageResult {
  if (result.kind !== 'page')
    throw new Error(`expected an IdP page, but was redirected to ${result.location}`);
  return result;
}

export function expectLeftIdp(result: NavigationResult): URL {
  if (result.kind !== 'left-idp')
    throw new Error(
      `expected a redirect to the app, got HTTP ${result.status} at ${result.url}:\n${result.html.slice(0, 2000)}`,
    );
  return result.location;
}

export interface TokenResponse {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

export async function postToken(idp: LocalIdp, params: Record<string, string>): Promise<Response> {
  return fetch(new URL('/oauth/v2/token', idp.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: idp.clientId, ...params }).toString(),
  });
}

export async function userinfo(idp: LocalIdp, accessToken: string): Promise<Response> {
  return fetch(new URL('/oidc/v1/userinfo', idp.issuer), {
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

export async function exchangeCode(
  idp: LocalIdp,
  request: AuthorizationRequest,
  callback: URL,
): Promise<TokenResponse> {
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  const response = await postToken(idp, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
  });
  const body = (await response.json()) as TokenResponse & { error?: string };
  if (!response.ok) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export async function verifyWithJwks(
  idp: LocalIdp,
  token: string,
): Promise<{ header: ReturnType<typeof decodeProtectedHeader>; payload: JWTPayload }> {
  const jwks = createRemoteJWKSet(new URL('/oauth/v2/keys', idp.issuer));
  const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer });
  return { header: decodeProtectedHeader(token), payload };
}

export { decodeJwt };

export interface NewTestUser {
  email: string;
  givenName: string;
  familyName: string;
  password: string;
}

let counter = 0;
export function newTestUser(prefix = 'fan'): NewTestUser {
  counter += 1;
  return {
    email: `${prefix}.${Date.now()}.${counter}@example.com`,
    givenName: 'Yuki',
    familyName: 'Tanaka',
    // ZITADEL's default complexity policy: upper, lower, number, symbol, at least 8.
    password: 'Correct horse 1',
  };
}

/** What a person ticks and picks on the first registration step to continue with a password. */
export const REGISTRATION_CHOICES = {
  tos: 'accepted',
  privacyPolicy: 'accepted',
  method: 'password',
} as const;

/**
 * Walks both registration steps from the first page: names, email, consents and "Password", then
 * the password twice. Returns where the second step led (the app's callback, or a page with an error).
 */
export async function completeRegistration(
  browser: TestBrowser,
  page: PageResult,
  user: NewTestUser,
): Promise<NavigationResult> {
  const { password, ...details } = user;
  const passwordStep = expectPage(
    await browser.submit(page, '/register', { ...details, ...REGISTRATION_CHOICES }),
  );
  return browser.submit(passwordStep, '/register/password', {
    password,
    confirmPassword: password,
  });
}

/** Registers through `prompt=create` in a fresh browser and returns the callback URL. */
export async function registerViaPromptCreate(
  idp: LocalIdp,
  user: NewTestUser,
  browser = createTestBrowser(idp.issuer),
) {
  const request = buildAuthorizationRequest(idp, { prompt: 'create' });
  const page = expectPage(await browser.navigate(request.url));
  const callback = expectLeftIdp(await completeRegistration(browser, page, user));
  return { browser, request, callback };
}
