import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commonDockerfileProblems,
  dockerignoreMatcher,
  stagesOf,
  workspaceCopies,
} from '@liverty-music/test-support/dockerfile';
import { describe, expect, it } from 'vitest';

// No Docker engine runs here, so backend/Dockerfile is checked for what can go wrong without one:
// files it copies that are missing or ignored, unpinned base images, a root user, dev
// dependencies, and workspaces the backend imports but the image lacks.
const root = fileURLToPath(new URL('../../', import.meta.url));
const readRepoFile = (path: string) => readFileSync(join(root, path), 'utf8');
const DOCKERFILE = 'backend/Dockerfile';
// docker-compose.yml builds it from the repository root.
const CONTEXT = '.';
const stages = () => stagesOf(readRepoFile(DOCKERFILE));

describe(DOCKERFILE, () => {
  it('has none of the problems any Dockerfile here can have: copies, pinned images, npm ci, Node LTS', () => {
    expect(commonDockerfileProblems(root, DOCKERFILE, CONTEXT)).toEqual([]);
  });

  it('would see those problems: a missing copy, an old unpinned Node, npm install before the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockerfile-check-'));
    try {
      writeFileSync(
        join(dir, 'Dockerfile'),
        'FROM node:20\nCOPY missing.txt package.json ./\nRUN npm install\nFROM nginx:latest\n',
      );
      writeFileSync(join(dir, 'package.json'), '{}');
      expect(commonDockerfileProblems(dir, 'Dockerfile', '.')).toEqual([
        'Dockerfile:2 copies missing.txt, which is not in ./',
        'Dockerfile: node:20 is not pinned to a version',
        'Dockerfile: node:20 is older than Node 24, the LTS line in support',
        'Dockerfile: nginx:latest is not pinned to a version',
        'Dockerfile: installs with something other than npm ci, which may rewrite the lock',
        'Dockerfile: npm runs before package-lock.json is copied',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is compiled in a build stage, run by plain node with production dependencies only, as the node user', () => {
    const all = stages();
    const final = all.at(-1);
    const finalArgs = final?.instructions.map(({ args }) => args) ?? [];
    // The final image's node_modules come from a stage that installs without dev dependencies.
    const modules = finalArgs.find((args) => /--from=\S+ \/app\/node_modules/.test(args));
    const from = /--from=(\S+)/.exec(modules ?? '')?.[1];
    const install = all
      .find((stage) => stage.name === from)
      ?.instructions.find(({ args }) => /\bnpm ci\b/.test(args));
    expect(install?.args ?? '', 'node_modules of the final image').toMatch(/--omit=dev/);
    expect(install?.args ?? '').toMatch(/--workspace backend/);
    // The build stage compiles; the final image gets its output and never the sources.
    const build = all.find((stage) =>
      stage.instructions.some(({ args }) => /scripts\/build-dist\.mjs dist/.test(args)),
    );
    expect(build?.name, 'a named build stage runs scripts/build-dist.mjs').toBeTruthy();
    expect(finalArgs).toContain(`--from=${build?.name} /app/backend/dist backend/dist`);
    expect(
      finalArgs.some((args) => /backend\/src/.test(args)),
      'no sources in the image',
    ).toBe(false);
    const cmd = final?.instructions.filter(({ instruction }) => instruction === 'CMD').at(-1);
    expect(cmd?.args ?? '').toMatch(/exec node dist\/main\.js/);
    expect(cmd?.args ?? '').not.toMatch(/tsx/);
    // tsx and esbuild are dev dependencies: --omit=dev keeps them out of the image.
    const manifest = JSON.parse(readRepoFile('backend/package.json'));
    expect(manifest.dependencies.tsx).toBeUndefined();
    expect(manifest.dependencies.esbuild).toBeUndefined();
    const user = final?.instructions.filter(({ instruction }) => instruction === 'USER').at(-1);
    expect(user?.args).toBe('node');
    // The migrations are read at start-up, beside dist/.
    expect(finalArgs.some((args) => /^backend\/drizzle backend\/drizzle$/.test(args))).toBe(true);
  });

  it('copies every workspace that the backend imports', () => {
    const { imported, missing } = workspaceCopies(root, 'backend', DOCKERFILE);
    expect(imported.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});

it('.dockerignore at the root (the build context of the images) keeps dependencies, local data and dev keys out', () => {
  const ignoredAtRoot = dockerignoreMatcher(root);
  for (const path of [
    'node_modules',
    'backend/node_modules',
    'frontend/node_modules/react',
    'backend/.data/pglite',
    '.data',
    'backend/.local-idp/keys.json',
    '.local-idp',
    '.git',
    'frontend/dist',
    'backend/.env',
  ]) {
    expect(ignoredAtRoot(path), `.dockerignore should exclude ${path}`).toBe(true);
  }
  for (const path of [
    'backend/src/main.ts',
    'package-lock.json',
    'gen/src',
    'frontend/nginx.conf',
  ]) {
    expect(ignoredAtRoot(path), `.dockerignore must not exclude ${path}`).toBe(false);
  }
});
