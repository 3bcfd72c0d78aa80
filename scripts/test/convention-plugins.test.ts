// The lint plugins of docs/decisions/039 still catch what they are for: a Biome upgrade that
// changed GritQL's node names would otherwise leave them silently matching nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PLUGINS = ['scripts/lint/no-classes.grit', 'scripts/lint/no-ts-import-suffix.grit'];

interface Diagnostic {
  category: string;
  location: { path: string; start: { line: number } };
}

const dir = mkdtempSync(join(tmpdir(), 'convention-plugins-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The lines of `source` the plugins report, run by the repository's own Biome. */
function reportedLines(source: string): number[] {
  const config = {
    root: true,
    plugins: PLUGINS.map((plugin) => join(ROOT, plugin)),
    linter: { rules: { recommended: false } },
  };
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'probe.ts'), source);
  let output: string;
  try {
    output = execFileSync(
      join(ROOT, 'node_modules/.bin/biome'),
      ['lint', '--reporter=json', 'probe.ts'],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch (error) {
    // Biome exits non-zero when it reports an error; the report is still on stdout.
    output = String((error as { stdout?: string }).stdout ?? '');
  }
  const { diagnostics } = JSON.parse(output) as { diagnostics: Diagnostic[] };
  return diagnostics
    .filter((diagnostic) => diagnostic.category === 'plugin')
    .map((diagnostic) => diagnostic.location.start.line);
}

describe('convention lint plugins (decision 039)', () => {
  it('are the plugins biome.json runs', () => {
    const config = readFileSync(join(ROOT, 'biome.json'), 'utf8');
    for (const plugin of PLUGINS) assert.ok(config.includes(`./${plugin}`), plugin);
  });

  it('report classes other than errors and .ts-suffixed relative imports', () => {
    const lines = reportedLines(
      [
        "import { a } from './a.ts';",
        "export { b } from '../b.tsx';",
        "const c = await import('./c.ts');",
        'export class Store {}',
        'const Anonymous = class {};',
        'export class Page extends Base {}',
        'export { a, c, Anonymous };',
      ].join('\n'),
    );
    assert.deepEqual(lines, [1, 2, 3, 4, 5, 6]);
  });

  it('leave error subclasses, Node HTTP subclasses and suffix-less imports alone', () => {
    const lines = reportedLines(
      [
        "import { IncomingMessage, ServerResponse } from 'node:http';",
        "import { a } from './a';",
        "import data from './data.json';",
        'export class RefusedError extends Error {}',
        'export class StoppedError extends RefusedError {}',
        'export class Message extends IncomingMessage {}',
        'export class Response extends ServerResponse<Message> {}',
        'export { a, data };',
      ].join('\n'),
    );
    assert.deepEqual(lines, []);
  });
});
