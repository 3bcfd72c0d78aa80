// Fails when package-lock.json is not what npm would write for the package.json files as they
// are: CI and the Dockerfiles install with `npm ci`, which refuses a stale lock, and a fresh
// clone's `npm install` would rewrite it. The check resolves the lock again in a scratch copy of
// the manifests (no node_modules, no install scripts), so it also catches what the registry adds
// later, such as another platform's optional package of a dependency.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const manifests = execFileSync('git', ['ls-files', 'package.json', '*/package.json', '.npmrc'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((path) => path !== '');
const scratch = mkdtempSync(join(tmpdir(), 'lock-check-'));
try {
  for (const path of [...manifests, 'package-lock.json']) {
    cpSync(path, join(scratch, path), { recursive: true });
  }
  execFileSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
    { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const committed = readFileSync('package-lock.json', 'utf8');
  const resolved = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
  if (committed !== resolved) {
    console.error(
      'package-lock.json is stale: npm would rewrite it for these package.json files.\n' +
        'Run `npm install --package-lock-only` and commit package-lock.json.',
    );
    process.exit(1);
  }
  console.log(`package-lock.json is complete for ${manifests.length} manifests`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
