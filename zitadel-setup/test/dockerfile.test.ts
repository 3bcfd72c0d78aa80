import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dockerignoreMatcher, parseCopy, stagesOf } from './support/dockerfile';
import { readRepoFile, root } from './support/repository';

// No Docker engine runs here, so zitadel-setup/Dockerfile is checked for what can go wrong
// without one: files it copies that are missing or ignored, unpinned base images, an install
// that may rewrite the lock, and an image that would run tsx or the TypeScript sources. The
// backend's and the frontend's Dockerfiles have the same checks in their own workspaces
// (backend/test/dockerfile.test.ts, frontend/test/dockerfile.test.ts).
const DOCKERFILE = 'zitadel-setup/Dockerfile';
// docker-compose.yml builds it from the repository root (the lock file lives there).
const CONTEXT = '.';
const stages = () => stagesOf(readRepoFile(DOCKERFILE));

test(`${DOCKERFILE}: every file it copies exists in its build context and is not ignored`, () => {
  const contextDir = join(root, CONTEXT);
  const ignored = dockerignoreMatcher(contextDir);
  const copies = stages().flatMap((stage) =>
    stage.instructions.filter(({ instruction }) => instruction === 'COPY' || instruction === 'ADD'),
  );
  assert.ok(copies.length > 0);
  for (const copy of copies) {
    const { flags, sources } = parseCopy(copy.args);
    if (flags.from) continue;
    for (const source of sources) {
      const where = `${DOCKERFILE}:${copy.line} copies ${source}`;
      assert.ok(existsSync(join(contextDir, source)), `${where}, which is not in ${CONTEXT}/`);
      assert.equal(ignored(source), false, `${where}, which .dockerignore excludes`);
    }
  }
});

test(`${DOCKERFILE}: base images are pinned to a version`, () => {
  const all = stages();
  for (const { image } of all) {
    if (all.some((stage) => stage.name === image)) continue; // FROM an earlier stage
    const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1] ?? '';
    assert.match(tag, /\d+\.\d+/, `${DOCKERFILE}: ${image} has no version tag`);
    assert.doesNotMatch(tag, /latest/, `${DOCKERFILE}: ${image}`);
  }
});

test(`${DOCKERFILE}: installs exactly the copied lock file (npm ci), or installs nothing`, () => {
  for (const stage of stages()) {
    const install = stage.instructions.findIndex(
      ({ instruction, args }) => instruction === 'RUN' && /\bnpm (ci|install|i)\b/.test(args),
    );
    if (install === -1) continue;
    assert.match(
      stage.instructions[install]?.args ?? '',
      /\bnpm ci\b/,
      `${DOCKERFILE}: installs with something other than npm ci, which may rewrite the lock`,
    );
    const lockCopied = stage.instructions
      .slice(0, install)
      .some(
        ({ instruction, args }) => instruction === 'COPY' && args.includes('package-lock.json'),
      );
    assert.ok(lockCopied, `${DOCKERFILE}: npm runs before package-lock.json is copied`);
  }
});

test(`${DOCKERFILE}: every Node base image is a supported LTS line (Node 20 reached end of life in April 2026)`, () => {
  const images = stages().map(({ image }) => image);
  assert.ok(images.length > 0);
  for (const image of images) {
    const node = /^node:(\d+)\./.exec(image);
    if (!node) continue;
    assert.ok(Number(node[1]) >= 24, `${DOCKERFILE}: ${image}`);
  }
});

test(`${DOCKERFILE}: compiled in a build stage, run by plain node without node_modules, tsx or the sources`, () => {
  const all = stages();
  const final = all.at(-1);
  const finalArgs = final?.instructions.map(({ args }) => args) ?? [];
  const build = all.find((stage) =>
    stage.instructions.some(({ args }) => /scripts\/build-dist\.mjs dist/.test(args)),
  );
  assert.ok(build?.name, 'a named build stage runs scripts/build-dist.mjs');
  assert.ok(finalArgs.includes(`--from=${build?.name} /app/zitadel-setup/dist ./dist`));
  // The bundle imports only Node built-ins (scripts/build-dist.mjs): no dependencies to install.
  assert.ok(
    !finalArgs.some((args) => /node_modules|zitadel-setup\/src/.test(args)),
    finalArgs.join('; '),
  );
  assert.ok(!final?.instructions.some(({ instruction }) => instruction === 'RUN'), 'no install');
  const cmd = final?.instructions.filter(({ instruction }) => instruction === 'CMD').at(-1);
  assert.equal(cmd?.args, '["node", "dist/main.js"]');
  // tsx and esbuild are dev dependencies of a workspace whose image keeps none.
  const manifest = JSON.parse(readRepoFile('zitadel-setup/package.json'));
  assert.equal(manifest.dependencies, undefined);
  assert.ok(manifest.devDependencies.esbuild && manifest.devDependencies.tsx);
});

test('.dockerignore at the root (the build context) keeps dependencies and build output of zitadel-setup out', () => {
  const ignoredAtRoot = dockerignoreMatcher(root);
  for (const path of ['zitadel-setup/node_modules', 'zitadel-setup/dist']) {
    assert.equal(ignoredAtRoot(path), true, `.dockerignore should exclude ${path}`);
  }
  for (const path of ['zitadel-setup/src/main.ts', 'zitadel-setup/scripts/build-dist.mjs']) {
    assert.equal(ignoredAtRoot(path), false, `.dockerignore must not exclude ${path}`);
  }
});
