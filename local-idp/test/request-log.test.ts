// The request log at info level leaves out the reconciler's routine poll (a third of the lines in
// a dev log), but never a poll that failed, and LOCAL_IDP_LOG_LEVEL=debug brings the polls back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { logRequest } from '../src/request-log';

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

async function serve(showRoutine: boolean, lines: string[]): Promise<string> {
  server = createServer((req, res) => {
    logRequest(req, res, (line) => lines.push(line), showRoutine);
    res.statusCode = req.headers.authorization ? 200 : 401;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('request log', () => {
  it('leaves out an answered event poll at info, keeps a refused one and every other request', async () => {
    const lines: string[] = [];
    const url = await serve(false, lines);
    const poll = (headers: Record<string, string>) =>
      fetch(`${url}/admin/v1/events/_search?x=1`, { method: 'POST', headers, body: '{}' });
    await (await poll({ authorization: 'Bearer dev' })).text();
    // Bad input tried: a poll without its PAT (401) must show, as must a GET of the same path.
    await (await poll({})).text();
    await (
      await fetch(`${url}/admin/v1/events/_search`, { headers: { authorization: 'x' } })
    ).text();
    await expect.poll(() => lines.length).toBe(2);
    expect(lines[0]).toMatch(/^POST \/admin\/v1\/events\/_search 401 \d+ms$/);
    expect(lines[1]).toMatch(/^GET \/admin\/v1\/events\/_search 200 \d+ms$/);
  });

  it('shows the answered polls too at debug', async () => {
    const lines: string[] = [];
    const url = await serve(true, lines);
    const answer = await fetch(`${url}/admin/v1/events/_search`, {
      method: 'POST',
      headers: { authorization: 'Bearer dev' },
      body: '{}',
    });
    await answer.text();
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatch(/^POST \/admin\/v1\/events\/_search 200 \d+ms$/);
  });
});
