import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one endpoint answers: a status and a body (JSON unless it is a string), or nothing at all. */
export type ScriptedAnswer = { status?: number; body: unknown } | 'hang';

export interface RecordedRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An issuer over real HTTP whose every answer a test writes: for the answers test-issuer.ts never
 * gives (a discovery naming another issuer, a key set without `keys`, an introspection answer with
 * a foreign `iss`, a 401 `invalid_client`). Paths: /.well-known/openid-configuration (by default a
 * document naming this issuer and its endpoints below), /keys, /userinfo, /introspect; any other
 * path, and a path with no answer set, is 404. Every request is recorded.
 */
export async function startScriptedIssuer() {
  const answers = new Map<string, ScriptedAnswer>();
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      requests.push({
        path,
        method: request.method ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer =
        answers.get(path) ??
        (path === '/.well-known/openid-configuration' ? { body: document() } : undefined);
      if (answer === 'hang') return;
      if (!answer) return response.writeHead(404).end();
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function document(overrides: Record<string, unknown> = {}) {
    return {
      issuer,
      jwks_uri: `${issuer}/keys`,
      userinfo_endpoint: `${issuer}/userinfo`,
      introspection_endpoint: `${issuer}/introspect`,
      ...overrides,
    };
  }

  return {
    issuer,
    requests,
    /** The requests made to one path so far. */
    requestsTo: (path: string) => requests.filter((request) => request.path === path),
    /** The default discovery document, with some fields replaced (undefined drops one). */
    document,
    answer(path: string, answer: ScriptedAnswer) {
      answers.set(path, answer);
    },
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

export type ScriptedIssuer = Awaited<ReturnType<typeof startScriptedIssuer>>;
