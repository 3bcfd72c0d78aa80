import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dockerignoreMatcher, parseCopy, stagesOf } from './support/dockerfile';

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
  it('copies only files that exist in its build context and are not ignored', () => {
    const contextDir = join(root, CONTEXT);
    const ignored = dockerignoreMatcher(contextDir);
    const copies = stages().flatMap((stage) =>
      stage.instructions.filter(
        ({ instruction }) => instruction === 'COPY' || instruction === 'ADD',
      ),
    );
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const { flags, sources } = parseCopy(copy.args);
      if (flags.from) continue;
      for (const source of sources) {
        const where = `${DOCKERFILE}:${copy.line} copies ${source}`;
        expect(existsSync(join(contextDir, source)), `${where}, which is not in ${CONTEXT}/`).toBe(
          true,
        );
        expect(ignored(source), `${where}, which .dockerignore excludes`).toBe(false);
      }
    }
  });

  it('pins its base images to a version', () => {
    const all = stages();
    for (const { image } of all) {
      if (all.some((stage) => stage.name === image)) continue; // FROM an earlier stage
      const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1] ?? '';
      expect(tag, `${DOCKERFILE}: ${image} has no version tag`).toMatch(/\d+\.\d+/);
      expect(tag, `${DOCKERFILE}: ${image}`).not.toMatch(/latest/);
    }
  });

  it('installs exactly the copied lock file (npm ci), or installs nothing', () => {
    for (const stage of stages()) {
      const install = stage.instructions.findIndex(
        ({ instruction, args }) => instruction === 'RUN' && /\bnpm (ci|install|i)\b/.test(args),
      );
      if (install === -1) continue;
      expect(
        stage.instructions[install]?.args ?? '',
        `${DOCKERFILE}: installs with something other than npm ci, which may rewrite the lock`,
      ).toMatch(/\bnpm ci\b/);
      const lockCopied = stage.instructions
        .slice(0, install)
        .some(
          ({ instruction, args }) => instruction === 'COPY' && args.includes('package-lock.json'),
        );
      expect(lockCopied, `${DOCKERFILE}: npm runs before package-lock.json is copied`).toBe(true);
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
    const manifest = JSON.parse(readRepoFile('backend/package.json'));
    const rootManifest = JSON.parse(readRepoFile('package.json'));
    const folderByName = new Map<string, string>();
    for (const folder of rootManifest.workspaces ?? []) {
      if (!existsSync(join(root, folder, 'package.json'))) continue;
      folderByName.set(JSON.parse(readRepoFile(`${folder}/package.json`)).name, folder);
    }
    const imported = Object.keys(manifest.dependencies ?? {})
      .map((name) => folderByName.get(name))
      .filter((folder) => folder !== undefined);
    expect(imported.length).toBeGreaterThan(0);
    const text = readRepoFile(DOCKERFILE);
    for (const folder of imported) {
      expect(text, `${folder}/package.json`).toMatch(
        new RegExp(`COPY ${folder}/package\\.json ${folder}/`),
      );
      expect(text, `${folder}/src`).toMatch(new RegExp(`COPY ${folder}/src ${folder}/src`));
    }
  });

  it('uses a supported Node LTS line for every Node base image (Node 20 reached end of life in April 2026)', () => {
    const images = stages().map(({ image }) => image);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      const node = /^node:(\d+)\./.exec(image);
      if (!node) continue;
      expect(Number(node[1]), `${DOCKERFILE}: ${image}`).toBeGreaterThanOrEqual(24);
    }
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
