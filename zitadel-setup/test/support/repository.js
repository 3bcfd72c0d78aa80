import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: docker-compose.yml, the Dockerfiles and their build contexts. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Every image docker-compose.yml builds, with its build context (relative to the root).
 * test/docker-stack.test.js checks that the compose file builds exactly these.
 */
export const BUILT_IMAGES = [
  { service: 'setup', context: 'zitadel-setup', dockerfile: 'zitadel-setup/Dockerfile' },
  { service: 'backend', context: '.', dockerfile: 'backend/Dockerfile' },
  { service: 'frontend', context: '.', dockerfile: 'frontend/Dockerfile' },
];

/** @param {string} path relative to the root */
export const readRepoFile = (path) => readFileSync(join(root, path), 'utf8');

/**
 * @typedef {{ instruction: string, args: string, line: number }} DockerInstruction
 * @param {string} text
 * @returns {DockerInstruction[]}
 */
export function parseDockerfile(text) {
  /** @type {DockerInstruction[]} */
  const instructions = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending !== '' && line.startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const [instruction = '', ...rest] = full.split(/\s+/);
    instructions.push({
      instruction: instruction.toUpperCase(),
      args: rest.join(' '),
      line: startLine,
    });
  });
  return instructions;
}

/**
 * The sources of a COPY or ADD (JSON or shell form), without its flags, and its --from stage.
 *
 * @param {string} args
 */
export function parseCopy(args) {
  const flags = /** @type {Record<string, string>} */ ({});
  let rest = args;
  for (;;) {
    const flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
    if (!flag) break;
    flags[/** @type {string} */ (flag[1])] = flag[2] ?? 'true';
    rest = rest.slice(flag[0].length);
  }
  const parts = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
  return { flags, sources: parts.slice(0, -1), destination: parts.at(-1) };
}

/**
 * A .dockerignore matcher, enough for the patterns of this repository: `*`, `**`, leading `/`,
 * and a matched folder excluding everything under it. `!` exceptions are not supported.
 *
 * @param {string} contextDir absolute
 * @returns {(path: string) => boolean} true when a path (relative to the context) is excluded
 */
export function dockerignoreMatcher(contextDir) {
  const file = join(contextDir, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.some((pattern) => pattern.startsWith('!'))) {
    throw new Error(`${file}: exceptions (!) are not supported by this check`);
  }
  const expressions = patterns.map((pattern) => {
    const source = pattern
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) =>
        segment === '**'
          ? '.*'
          : segment
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?');
    return new RegExp(`^${source}(?:/.*)?$`);
  });
  return (path) => {
    const normalized = relative(contextDir, join(contextDir, path)).replace(/\\/g, '/');
    return expressions.some((expression) => expression.test(normalized));
  };
}

/**
 * docker-compose.yml as `docker-compose config` resolves it (variables interpolated with their
 * defaults: the run sees no variable of the developer's shell), as plain data. Needs Debian's
 * `docker-compose` package, which brings python3-yaml.
 */
export function composeConfig() {
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
  const json = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: resolved.stdout, encoding: 'utf8' },
  );
  if (json.status !== 0) throw new Error(`could not read docker-compose's output:\n${json.stderr}`);
  return /** @type {{ services: Record<string, any>, volumes?: Record<string, unknown> }} */ (
    JSON.parse(json.stdout)
  );
}

/** Whether Debian's docker-compose (v1, `config` works without a Docker engine) is installed. */
export function hasDockerCompose() {
  return spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
}
