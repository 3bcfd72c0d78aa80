import { readFile } from 'node:fs/promises';
import type { GetMyUserResponseJson } from '@zitadel/proto/zitadel/auth_pb';

/**
 * Waits, up to one deadline, until ZITADEL can be used: its discovery document answers (so the
 * instance is served under this host), the PAT file exists, and the PAT authenticates. Each
 * condition is polled; nothing is assumed ready after a fixed sleep.
 */

export class NotReadyError extends Error {
  override name = 'NotReadyError';
}

export type Readiness<T> = { ready: true; value: T } | { ready: false; reason: string };

/** Each new reason for not being ready is passed to onNotReady once. */
export async function pollUntilReady<T>(
  check: () => Promise<Readiness<T>>,
  {
    what,
    deadline,
    intervalMs,
    onNotReady,
  }: {
    what: string;
    deadline: number;
    intervalMs: number;
    onNotReady?: (reason: string) => void;
  },
): Promise<T> {
  let reason = 'not checked yet';
  for (;;) {
    const result = await check();
    if (result.ready) return result.value;
    if (result.reason !== reason) onNotReady?.(result.reason);
    reason = result.reason;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new NotReadyError(`gave up waiting for ${what}: ${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)));
  }
}

export interface ZitadelReady {
  issuer: string;
  discovery: Record<string, unknown>;
  token: string;
  userName: string;
}

export async function waitForZitadel({
  apiUrl,
  patFile,
  deadline,
  intervalMs,
  log,
  fetch = globalThis.fetch,
}: {
  apiUrl: string;
  patFile: string;
  deadline: number;
  intervalMs: number;
  log: (line: string) => void;
  fetch?: typeof globalThis.fetch;
}): Promise<ZitadelReady> {
  const fetchWithin = (url: string, init: RequestInit = {}) =>
    fetch(url, {
      ...init,
      signal: AbortSignal.timeout(Math.max(1000, Math.min(10_000, deadline - Date.now()))),
    });

  log(`waiting for ZITADEL at ${apiUrl} ...`);
  const onNotReady = (reason: string) => log(`not ready yet: ${reason}`);
  const discovery = await pollUntilReady(
    async (): Promise<Readiness<Record<string, unknown>>> => {
      try {
        const response = await fetchWithin(`${apiUrl}/.well-known/openid-configuration`);
        if (!response.ok) {
          await response.body?.cancel();
          return { ready: false, reason: `discovery answered HTTP ${response.status}` };
        }
        const document = (await response.json()) as { issuer?: unknown };
        if (typeof document.issuer !== 'string') {
          return { ready: false, reason: 'discovery document has no issuer' };
        }
        return { ready: true, value: document as Record<string, unknown> };
      } catch (error) {
        return { ready: false, reason: describe(error) };
      }
    },
    { what: `ZITADEL's discovery document at ${apiUrl}`, deadline, intervalMs, onNotReady },
  );

  const token = await pollUntilReady(
    async (): Promise<Readiness<string>> => {
      try {
        const content = (await readFile(patFile, 'utf8')).trim();
        return content === ''
          ? { ready: false, reason: `${patFile} is empty` }
          : { ready: true, value: content };
      } catch (error) {
        return { ready: false, reason: describe(error) };
      }
    },
    { what: `the personal access token in ${patFile}`, deadline, intervalMs, onNotReady },
  );

  // Right after the first start, the machine user may not be queryable for a moment.
  const userName = await pollUntilReady(
    async (): Promise<Readiness<string>> => {
      try {
        const response = await fetchWithin(`${apiUrl}/auth/v1/users/me`, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        });
        const body = (await response.json().catch(() => ({}))) as
          | (GetMyUserResponseJson & { message?: unknown })
          | null;
        if (!response.ok) {
          const message = typeof body?.message === 'string' ? `: ${body.message}` : '';
          return {
            ready: false,
            reason: `the PAT was refused with HTTP ${response.status}${message}`,
          };
        }
        return { ready: true, value: String(body?.user?.userName ?? body?.user?.id ?? 'unknown') };
      } catch (error) {
        return { ready: false, reason: describe(error) };
      }
    },
    { what: 'the personal access token to be accepted', deadline, intervalMs, onNotReady },
  );

  const issuer = discovery.issuer as string;
  log(`ZITADEL is ready (issuer ${issuer}); signed in as machine user "${userName}"`);
  return { issuer, discovery, token, userName };
}

/** What fetch's cause may carry: a system error, or an AggregateError of them. */
interface FetchCause {
  code?: string;
  errors?: Array<{ code?: string }>;
  message?: string;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch() fails with "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause.
  const cause = error.cause as FetchCause | undefined;
  const detail = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}
