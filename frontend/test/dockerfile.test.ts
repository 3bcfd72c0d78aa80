// @vitest-environment node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commonDockerfileProblems,
  stagesOf,
  workspaceCopies,
} from '@liverty-music/test-support/dockerfile';
import { describe, expect, it } from 'vitest';

// No Docker engine runs here, so frontend/Dockerfile is checked for what can go wrong without
// one: files it copies that are missing or ignored, unpinned base images, a root user, and
// workspaces the frontend imports but the image lacks.
const root = fileURLToPath(new URL('../../', import.meta.url));
const readRepoFile = (path: string) => readFileSync(join(root, path), 'utf8');
const DOCKERFILE = 'frontend/Dockerfile';
// docker-compose.yml builds it from the repository root.
const CONTEXT = '.';
const stages = () => stagesOf(readRepoFile(DOCKERFILE));

describe(DOCKERFILE, () => {
  it('has none of the problems any Dockerfile here can have: copies, pinned images, npm ci, Node LTS', () => {
    expect(commonDockerfileProblems(root, DOCKERFILE, CONTEXT)).toEqual([]);
  });

  it('ends in an unprivileged nginx with the SPA configuration', () => {
    const final = stages().at(-1);
    expect(final?.image ?? '').toMatch(/^nginxinc\/nginx-unprivileged:/);
    const users = final?.instructions.filter(({ instruction }) => instruction === 'USER') ?? [];
    expect(users, 'the unprivileged image already runs as nginx (uid 101)').toEqual([]);
    expect(
      final?.instructions.some(
        ({ instruction, args }) =>
          instruction === 'COPY' && args.startsWith('frontend/nginx.conf '),
      ),
    ).toBe(true);
    const nginx = readRepoFile('frontend/nginx.conf');
    expect(nginx).toMatch(/listen 8080;/);
    expect(nginx, 'the landing page').toMatch(/location = \/ \{\s*try_files \/index\.html =404;/);
    // Any other address: index.html ("Page not found", src/main.tsx) with status 404.
    expect(nginx, 'unknown addresses').toMatch(
      /try_files \$uri =404;\s*error_page 404 \/index\.html;/,
    );
    expect(nginx).toMatch(/location = \/config\.json \{\s*alias \/config\/public\/config\.json;/);
    expect(nginx).toMatch(/location = \/callback \{\s*try_files \/callback\.html =404;/);
    // The security headers (CSP naming this deployment's API and issuer, frame-ancestors,
    // referrer policy) are written at container start from config.json, and every location sends
    // them: a location's own add_header would otherwise drop the server's.
    const locations = nginx.split(/\n\s*location /).slice(1);
    expect(locations.length).toBeGreaterThanOrEqual(4);
    for (const location of locations) {
      expect(location, `location ${location}`).toMatch(
        /include \/etc\/nginx\/security-headers\.conf;/,
      );
    }
    const copies = final?.instructions.map(({ args }) => args) ?? [];
    expect(copies).toContain(
      '--chmod=755 frontend/docker/security-headers.sh /usr/local/bin/security-headers.sh',
    );
    expect(
      copies,
      'the nginx image runs /docker-entrypoint.d/*.sh hooks before nginx starts',
    ).toContain(
      '--chmod=755 frontend/docker/40-security-headers.sh /docker-entrypoint.d/40-security-headers.sh',
    );
  });

  it('copies every workspace that the frontend imports', () => {
    const { imported, missing } = workspaceCopies(root, 'frontend', DOCKERFILE);
    expect(imported.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
