import type { LocalIdp } from '../../src/index';

/** POSTs a JSON body to one of ZITADEL's REST (gateway) paths with the admin PAT, or another. */
export async function postZitadelApi<T>(
  idp: LocalIdp,
  path: string,
  body: unknown,
  pat = idp.adminPat,
): Promise<{ status: number; body: T & { code?: number; message?: string } }> {
  const response = await fetch(new URL(path, idp.issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(pat ? { authorization: `Bearer ${pat}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T & { code?: number } };
}
