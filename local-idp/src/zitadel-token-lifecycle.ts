import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { peekJti } from './access-token-verifier';
import type { OidcStateStore } from './oidc-state-store';
import type { PrivateSigningJwk } from './signing-keys';
import { reshapeIdToken } from './zitadel-id-token';

export interface TokenLifecycleDeps {
  state: OidcStateStore;
  clientId: string;
  projectId: string;
  signingKeys: PrivateSigningJwk[];
}

/**
 * Where oidc-provider's tokens differ from ZITADEL's after they are issued: JWT access tokens are
 * revocable, ID tokens have ZITADEL's shape, and logging out ends the session's tokens.
 */
export function matchZitadelTokenLifecycle(provider: Provider, deps: TokenLifecycleDeps): void {
  const { state, clientId, projectId } = deps;
  // oidc-provider refuses to revoke structured (JWT) access tokens (unsupported_token_type). ZITADEL
  // revokes its JWT access tokens by id, so we forget our record of the token (userinfo and
  // introspection then refuse it) and answer 200 like RFC 7009 asks, also for unknown tokens.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'revocation' || ctx.status !== 400 || !ctx.oidc.client) return;
    const body = ctx.body as { error?: string } | undefined;
    const token = ctx.oidc.params?.token;
    const jti = typeof token === 'string' ? peekJti(token) : undefined;
    if (body?.error !== 'unsupported_token_type' || !jti) return;
    const record = state.findAccessToken(jti);
    if (record && record.clientId === ctx.oidc.client.clientId) state.forgetAccessToken(jti);
    ctx.status = 200;
    ctx.body = '';
  });
  // ID tokens in ZITADEL's shape (see zitadel-id-token.ts), from the code and refresh grants alike.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: unknown; access_token?: unknown } | undefined;
    if (typeof body?.id_token !== 'string') return;
    body.id_token = await reshapeIdToken(body.id_token, {
      clientId,
      projectId,
      accessToken: typeof body.access_token === 'string' ? body.access_token : undefined,
      signingKeys: deps.signingKeys,
    });
  });
  // oidc-provider keeps offline_access grants alive across logout; ZITADEL ends the session's tokens
  // with it, so an app's "Log out" also invalidates its access and refresh tokens here.
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const authorizations = (
      ctx.oidc.session as { authorizations?: Record<string, { grantId?: string }> } | undefined
    )?.authorizations;
    for (const { grantId } of Object.values(authorizations ?? {})) {
      if (!grantId) continue;
      state.revokeByGrantId(grantId);
      state.delete('Grant', grantId);
    }
  });
}
