import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root: docker-compose.yml and the build contexts. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Every image docker-compose.yml builds, with its build context (relative to the root).
 * test/docker-compose.test.ts checks that the compose file builds exactly these.
 */
export const BUILT_IMAGES = [
  { service: 'setup', context: '.', dockerfile: 'zitadel-setup/Dockerfile' },
  { service: 'backend', context: '.', dockerfile: 'backend/Dockerfile' },
  { service: 'frontend', context: '.', dockerfile: 'frontend/Dockerfile' },
];

export const readRepoFile = (path: string) => readFileSync(join(root, path), 'utf8');

/** A service as `docker-compose config` prints it: only the keys the tests read. */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: unknown;
  environment?: Record<string, string | number | boolean | null>;
  ports?: Array<string | { host_ip?: string; published: string | number; target: number }>;
  volumes?: Array<string | { source: string; target: string; type: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: unknown };
  restart?: string;
  network_mode?: string;
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * docker-compose.yml as `docker-compose config` resolves it (variables interpolated with their
 * defaults: the run sees no variable of the developer's shell), read with the `yaml` package.
 * docker-compose (Debian's, v1) writes YAML 1.1 through PyYAML, so it is read as YAML 1.1.
 */
export function composeConfig(): ComposeModel {
  const resolved = spawnSync(
    'docker-compose',
    ['--file', join(root, 'docker-compose.yml'), 'config'],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    },
  );
  if (resolved.status !== 0) throw new Error(`docker-compose config failed:\n${resolved.stderr}`);
  return parse(resolved.stdout, { version: '1.1' }) as ComposeModel;
}

/** Whether Debian's docker-compose (v1, `config` works without a Docker engine) is installed. */
export function hasDockerCompose() {
  return spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
}
