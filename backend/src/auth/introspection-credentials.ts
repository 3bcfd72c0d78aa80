import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { z } from 'zod';

/** How this API authenticates to the issuer's introspection endpoint (ZITADEL: an API app). */
export type IntrospectionCredentials =
  | { method: 'client_secret_basic'; clientId: string; clientSecret: string }
  | { method: 'private_key_jwt'; clientId: string; keyId: string; privateKey: KeyObject };

// ZITADEL's application key file (internal/domain/application_key.go ApplicationKey.MarshalJSON):
// {"type":"application","keyId":…,"key":"-----BEGIN RSA PRIVATE KEY-----…","appId":…,"clientId":…}
const keyFileSchema = z.object({
  type: z.literal('application'),
  keyId: z.string().min(1),
  key: z.string().min(1),
  clientId: z.string().min(1),
});

/** Reads ZITADEL's JSON key file of an API application; throws with the reason when it is not one. */
export function readIntrospectionKeyFile(path: string): IntrospectionCredentials {
  let parsed: z.infer<typeof keyFileSchema>;
  try {
    parsed = keyFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new Error(
      `${path} is not a ZITADEL application key file (JSON with type "application", keyId, key, clientId): ${(error as Error).message.split('\n')[0]}`,
    );
  }
  return {
    method: 'private_key_jwt',
    clientId: parsed.clientId,
    keyId: parsed.keyId,
    privateKey: createPrivateKey(parsed.key),
  };
}

/**
 * The headers and form fields that authenticate one introspection request: RFC 6749 §2.3.1
 * (client_secret_basic: both parts form-encoded, then Basic) or RFC 7523 §2.2 (private_key_jwt:
 * an assertion whose iss and sub are the client id and whose aud is the issuer, as ZITADEL's
 * zitadel/oidc pkg/op/verifier_jwt_profile.go checks it).
 */
export async function introspectionAuthentication(
  credentials: IntrospectionCredentials,
  issuer: string,
): Promise<{ headers: Record<string, string>; form: Record<string, string> }> {
  if (credentials.method === 'client_secret_basic') {
    const user = encodeURIComponent(credentials.clientId);
    const password = encodeURIComponent(credentials.clientSecret);
    return {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      form: {},
    };
  }
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: credentials.keyId })
    .setIssuer(credentials.clientId)
    .setSubject(credentials.clientId)
    .setAudience(issuer)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(randomUUID())
    .sign(credentials.privateKey);
  return {
    headers: {},
    form: {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    },
  };
}
