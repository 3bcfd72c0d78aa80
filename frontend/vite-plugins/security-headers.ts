import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';

const SCRIPT = resolve(import.meta.dirname, '../docker/security-headers.sh');

/** The headers docker/security-headers.sh prints for a config.json: the one policy nginx sends. */
export function readSecurityHeaders(
  configFile: string,
  env: Record<string, string> = {},
): [string, string][] {
  const output = execFileSync('sh', [SCRIPT, configFile], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return output
    .split('\n')
    .filter((line) => line.includes(': '))
    .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]);
}

const sendAll =
  (headers: [string, string][]): Connect.NextHandleFunction =>
  (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };

/**
 * Sends nginx's security headers from `vite preview` and the dev server too, so the end-to-end
 * suite runs under the production policy. Derived at server start from the config.json the
 * server hands out (APP_CONFIG_FILE, else the one in public/). The dev server's own inline
 * script (React Refresh) and injected styles carry a nonce, allowed there and only there.
 */
export function securityHeaders(): Plugin {
  const nonce = randomBytes(18).toString('base64');
  const configFile = (fallback: string) => process.env.APP_CONFIG_FILE ?? fallback;
  return {
    name: 'security-headers',
    config: (_config, { command, isPreview }) =>
      command === 'serve' && !isPreview ? { html: { cspNonce: nonce } } : undefined,
    configureServer(server) {
      const headers = readSecurityHeaders(
        configFile(resolve(server.config.root, 'public/config.json')),
        {
          EXTRA_SCRIPT_SRC: `'nonce-${nonce}'`,
          EXTRA_STYLE_SRC: `'nonce-${nonce}'`,
        },
      );
      server.middlewares.use(sendAll(headers));
    },
    configurePreviewServer(server) {
      const outDir = resolve(server.config.root, server.config.build.outDir);
      server.middlewares.use(
        sendAll(readSecurityHeaders(configFile(resolve(outDir, 'config.json')))),
      );
    },
  };
}
