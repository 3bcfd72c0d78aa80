import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import type { PrivateSigningJwk } from './signing-keys';

/**
 * oidc-provider's ID token has `aud` = the client id and no `azp`; ZITADEL's has the same audience
 * as its access token (the project's client ids and the project id), with `azp` and `client_id`
 * both set to the client (zitadel/oidc pkg/oidc/token.go NewIDTokenClaims; ZITADEL
 * internal/api/oidc/token.go createIDToken). An app that cannot tell an ID token from an access
 * token by `client_id` or `aud` must fail here as it would against ZITADEL, so the ID token is
 * re-signed with the same key in ZITADEL's shape, with the `at_hash` ZITADEL always adds
 * (oidc-provider adds it only for implicit and hybrid flows).
 */
export async function reshapeIdToken(
  idToken: string,
  options: {
    clientId: string;
    projectId: string;
    accessToken: string | undefined;
    signingKeys: readonly PrivateSigningJwk[];
  },
): Promise<string> {
  const header = decodeProtectedHeader(idToken);
  const key = options.signingKeys.find((candidate) => candidate.kid === header.kid);
  if (!key) throw new Error(`no signing key ${String(header.kid)} for the ID token`);
  const payload = decodeJwt(idToken);
  return new SignJWT({
    ...payload,
    aud: [options.clientId, options.projectId],
    azp: options.clientId,
    client_id: options.clientId,
    // OIDC Core §3.1.3.6: left half of the SHA-256 of the access token, base64url (RS256).
    ...(options.accessToken
      ? {
          at_hash: createHash('sha256')
            .update(options.accessToken)
            .digest()
            .subarray(0, 16)
            .toString('base64url'),
        }
      : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(await importJWK(key, 'RS256'));
}

/**
 * oidc-provider's end_session reads an `id_token_hint`'s `aud` as the client id, so it refuses
 * ZITADEL's array audience; ZITADEL takes the client from the token. A hint this server signed is
 * handed to oidc-provider with `aud` = its `azp`; anything else is passed on untouched (and refused
 * there as before).
 */
export async function toProviderIdTokenHint(
  hint: string,
  signingKeys: readonly PrivateSigningJwk[],
): Promise<string> {
  try {
    const header = decodeProtectedHeader(hint);
    const key = signingKeys.find((candidate) => candidate.kid === header.kid);
    if (!key) return hint;
    const { n, e, kty, kid, alg } = key;
    const { payload } = await jwtVerify(hint, await importJWK({ n, e, kty, kid, alg }, 'RS256'), {
      algorithms: ['RS256'],
    });
    if (!Array.isArray(payload.aud) || typeof payload.azp !== 'string') return hint;
    return await new SignJWT({ ...payload, aud: payload.azp })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .sign(await importJWK(key, 'RS256'));
  } catch {
    return hint;
  }
}
