import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BUILT_IMAGES,
  dockerignoreMatcher,
  parseCopy,
  parseDockerfile,
  readRepoFile,
  root,
} from './support/repository.js';

// No Docker engine runs here, so the Dockerfiles are checked for what can go wrong without one:
// files they copy that are missing or ignored, unpinned base images, a root user, dev
// dependencies, and workspaces the app imports but the image lacks.

/** @param {string} dockerfile */
function stagesOf(dockerfile) {
  const instructions = parseDockerfile(readRepoFile(dockerfile));
  /** @type {Record<string, string>} */
  const args = {};
  /** @type {Array<{ image: string, name?: string, instructions: typeof instructions }>} */
  const stages = [];
  for (const instruction of instructions) {
    if (instruction.instruction === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=');
      args[name] = value;
    } else if (instruction.instruction === 'FROM') {
      const [reference = '', as, name] = instruction.args
        .replace(/^--platform=\S+\s+/, '')
        .split(/\s+/);
      const image = reference.replace(/\$\{?(\w+)\}?/g, (_, variable) => args[variable] ?? '');
      stages.push({
        image,
        ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

for (const { dockerfile, context } of BUILT_IMAGES) {
  test(`${dockerfile}: every file it copies exists in its build context and is not ignored`, () => {
    const contextDir = join(root, context);
    const ignored = dockerignoreMatcher(contextDir);
    const copies = stagesOf(dockerfile).flatMap((stage) =>
      stage.instructions.filter(
        ({ instruction }) => instruction === 'COPY' || instruction === 'ADD',
      ),
    );
    assert.ok(copies.length > 0);
    for (const copy of copies) {
      const { flags, sources } = parseCopy(copy.args);
      if (flags.from) continue;
      for (const source of sources) {
        const where = `${dockerfile}:${copy.line} copies ${source}`;
        assert.ok(existsSync(join(contextDir, source)), `${where}, which is not in ${context}/`);
        assert.equal(ignored(source), false, `${where}, which .dockerignore excludes`);
      }
    }
  });

  test(`${dockerfile}: base images are pinned to a version`, () => {
    const stages = stagesOf(dockerfile);
    for (const { image } of stages) {
      if (stages.some((stage) => stage.name === image)) continue; // FROM an earlier stage
      const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1] ?? '';
      assert.match(tag, /\d+\.\d+/, `${dockerfile}: ${image} has no version tag`);
      assert.doesNotMatch(tag, /latest/, `${dockerfile}: ${image}`);
    }
  });

  test(`${dockerfile}: installs exactly the copied lock file (npm ci), or installs nothing`, () => {
    for (const stage of stagesOf(dockerfile)) {
      const install = stage.instructions.findIndex(
        ({ instruction, args }) => instruction === 'RUN' && /\bnpm (ci|install|i)\b/.test(args),
      );
      if (install === -1) continue;
      assert.match(
        stage.instructions[install]?.args ?? '',
        /\bnpm ci\b/,
        `${dockerfile}: installs with something other than npm ci, which may rewrite the lock`,
      );
      const lockCopied = stage.instructions
        .slice(0, install)
        .some(
          ({ instruction, args }) => instruction === 'COPY' && args.includes('package-lock.json'),
        );
      assert.ok(lockCopied, `${dockerfile}: npm runs before package-lock.json is copied`);
    }
  });
}

test('backend/Dockerfile: compiled in a build stage, run by plain node with production dependencies only, as the node user', () => {
  const stages = stagesOf('backend/Dockerfile');
  const final = stages.at(-1);
  const finalArgs = final?.instructions.map(({ args }) => args) ?? [];
  // The final image's node_modules come from a stage that installs without dev dependencies.
  const modules = finalArgs.find((args) => /--from=\S+ \/app\/node_modules/.test(args));
  const from = /--from=(\S+)/.exec(modules ?? '')?.[1];
  const install = stages
    .find((stage) => stage.name === from)
    ?.instructions.find(({ args }) => /\bnpm ci\b/.test(args));
  assert.match(install?.args ?? '', /--omit=dev/, 'node_modules of the final image');
  assert.match(install?.args ?? '', /--workspace backend/);
  // The build stage compiles; the final image gets its output and never the sources.
  const build = stages.find((stage) =>
    stage.instructions.some(({ args }) => /scripts\/build-dist\.mjs dist/.test(args)),
  );
  assert.ok(build?.name, 'a named build stage runs scripts/build-dist.mjs');
  assert.ok(finalArgs.includes(`--from=${build?.name} /app/backend/dist backend/dist`));
  assert.ok(!finalArgs.some((args) => /backend\/src/.test(args)), 'no sources in the image');
  const cmd = final?.instructions.filter(({ instruction }) => instruction === 'CMD').at(-1);
  assert.match(cmd?.args ?? '', /exec node dist\/main\.js/);
  assert.doesNotMatch(cmd?.args ?? '', /tsx/);
  // tsx and esbuild are dev dependencies: --omit=dev keeps them out of the image.
  const manifest = JSON.parse(readRepoFile('backend/package.json'));
  assert.equal(manifest.dependencies.tsx, undefined);
  assert.equal(manifest.dependencies.esbuild, undefined);
  const user = final?.instructions.filter(({ instruction }) => instruction === 'USER').at(-1);
  assert.equal(user?.args, 'node');
  // The migrations are read at start-up, beside dist/.
  assert.ok(finalArgs.some((args) => /^backend\/drizzle backend\/drizzle$/.test(args)));
});

test('every Node base image is a supported LTS line (Node 20 reached end of life in April 2026)', () => {
  for (const { dockerfile } of BUILT_IMAGES) {
    for (const { image } of stagesOf(dockerfile)) {
      const node = /^node:(\d+)\./.exec(image);
      if (!node) continue;
      assert.ok(Number(node[1]) >= 24, `${dockerfile}: ${image}`);
    }
  }
});

test('frontend/Dockerfile: the final image is an unprivileged nginx with the SPA configuration', () => {
  const final = stagesOf('frontend/Dockerfile').at(-1);
  assert.match(final?.image ?? '', /^nginxinc\/nginx-unprivileged:/);
  const users = final?.instructions.filter(({ instruction }) => instruction === 'USER') ?? [];
  assert.deepEqual(users, [], 'the unprivileged image already runs as nginx (uid 101)');
  assert.ok(
    final?.instructions.some(
      ({ instruction, args }) => instruction === 'COPY' && args.startsWith('frontend/nginx.conf '),
    ),
  );
  const nginx = readRepoFile('frontend/nginx.conf');
  assert.match(nginx, /listen 8080;/);
  assert.match(nginx, /location = \/ \{\s*try_files \/index\.html =404;/, 'the landing page');
  // Any other address: index.html ("Page not found", frontend/src/main.tsx) with status 404.
  assert.match(nginx, /try_files \$uri =404;\s*error_page 404 \/index\.html;/, 'unknown addresses');
  assert.match(nginx, /location = \/config\.json \{\s*alias \/config\/public\/config\.json;/);
  assert.match(nginx, /location = \/callback \{\s*try_files \/callback\.html =404;/);
  // The security headers (CSP naming this deployment's API and issuer, frame-ancestors, referrer
  // policy) are written at container start from config.json, and every location sends them: a
  // location's own add_header would otherwise drop the server's.
  const locations = nginx.split(/\n\s*location /).slice(1);
  assert.ok(locations.length >= 4);
  for (const location of locations) {
    assert.match(location, /include \/etc\/nginx\/security-headers\.conf;/, `location ${location}`);
  }
  const copies = final?.instructions.map(({ args }) => args) ?? [];
  assert.ok(
    copies.includes(
      '--chmod=755 frontend/docker/security-headers.sh /usr/local/bin/security-headers.sh',
    ),
  );
  assert.ok(
    copies.includes(
      '--chmod=755 frontend/docker/40-security-headers.sh /docker-entrypoint.d/40-security-headers.sh',
    ),
    'the nginx image runs /docker-entrypoint.d/*.sh hooks before nginx starts',
  );
});

for (const workspace of ['backend', 'frontend']) {
  test(`${workspace}/Dockerfile: copies every workspace that ${workspace} imports`, () => {
    const manifest = JSON.parse(readRepoFile(`${workspace}/package.json`));
    const rootManifest = JSON.parse(readRepoFile('package.json'));
    /** @type {Map<string, string>} */
    const folderByName = new Map();
    for (const folder of rootManifest.workspaces ?? []) {
      if (!existsSync(join(root, folder, 'package.json'))) continue;
      folderByName.set(JSON.parse(readRepoFile(`${folder}/package.json`)).name, folder);
    }
    const imported = Object.keys(manifest.dependencies ?? {})
      .map((name) => folderByName.get(name))
      .filter((folder) => folder !== undefined);
    assert.ok(imported.length > 0);
    const text = readRepoFile(`${workspace}/Dockerfile`);
    for (const folder of imported) {
      assert.match(
        text,
        new RegExp(`COPY ${folder}/package\\.json ${folder}/`),
        `${folder}/package.json`,
      );
      assert.match(text, new RegExp(`COPY ${folder}/src ${folder}/src`), `${folder}/src`);
    }
  });
}

test('.dockerignore files keep dependencies, local data and dev keys out of every build context', () => {
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
    assert.equal(ignoredAtRoot(path), true, `.dockerignore should exclude ${path}`);
  }
  for (const path of [
    'backend/src/main.ts',
    'package-lock.json',
    'gen/src',
    'frontend/nginx.conf',
  ]) {
    assert.equal(ignoredAtRoot(path), false, `.dockerignore must not exclude ${path}`);
  }
  const ignoredInSetup = dockerignoreMatcher(join(root, 'zitadel-setup'));
  assert.equal(ignoredInSetup('node_modules'), true);
  assert.equal(ignoredInSetup('src/main.js'), false);
});
