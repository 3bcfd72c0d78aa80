import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commonDockerfileProblems,
  dockerignoreMatcher,
  stagesOf,
} from '@liverty-music/test-support/dockerfile';
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

test(`${DOCKERFILE}: has none of the problems any Dockerfile here can have: copies, pinned images, npm ci, Node LTS`, () => {
  assert.deepEqual(commonDockerfileProblems(root, DOCKERFILE, CONTEXT), []);
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
