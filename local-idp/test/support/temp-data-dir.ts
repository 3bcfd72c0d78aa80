import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalIdp, type LocalIdpOptions, startLocalIdp } from '../../src/index';

export function makeTempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'local-idp-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts an IdP on a free port in a fresh data dir; request lines are collected instead of printed. */
export async function startTestIdp(
  options: LocalIdpOptions = {},
): Promise<{ idp: LocalIdp; logs: string[]; dataDir: string; stop: () => Promise<void> }> {
  const temp = options.dataDir ? undefined : makeTempDataDir();
  const logs: string[] = [];
  const idp = await startLocalIdp({
    port: 0,
    log: (line) => logs.push(line),
    ...options,
    dataDir: options.dataDir ?? temp?.dir ?? '',
  });
  return {
    idp,
    logs,
    dataDir: idp.dataDir,
    stop: async () => {
      await idp.close();
      temp?.remove();
    },
  };
}
