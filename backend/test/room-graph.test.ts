import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A room is a folder of src/ (a capability); a file at the top of src/ is a room of its own.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function roomOf(file: string): string {
  const [first, ...rest] = relative(SRC, file).split('/');
  return rest.length > 0 ? (first as string) : (first as string).replace(/\.ts$/, '');
}

/** room -> rooms it imports from (relative imports only; packages are no rooms). */
function roomGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((path) =>
    path.endsWith('.ts'),
  );
  for (const path of files) {
    const file = join(SRC, path);
    const from = roomOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = roomOf(resolve(dirname(file), specifier as string));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the rooms along it. */
function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (room: string, path: string[]) => {
    const at = path.indexOf(room);
    if (at >= 0) {
      cycles.push([...path.slice(at), room]);
      return;
    }
    if (done.has(room)) return;
    for (const next of graph.get(room) ?? []) walk(next, [...path, room]);
    done.add(room);
  };
  for (const room of graph.keys()) walk(room, []);
  return cycles;
}

describe('rooms of backend/src', () => {
  it('import each other without a cycle', () => {
    expect(cyclesOf(roomGraph())).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself can fail)', () => {
    // Tried: auth naming a claim from actions while actions reads auth's Caller.
    const graph = new Map([
      ['auth', new Set(['actions'])],
      ['actions', new Set(['auth', 'db'])],
      ['db', new Set<string>()],
    ]);
    expect(cyclesOf(graph)).toEqual([['auth', 'actions', 'auth']]);
  });

  it('reads the real imports (known edges are there)', () => {
    const graph = roomGraph();
    expect(graph.get('user')?.has('provisioning')).toBe(true);
    // The reconciler schedules the sweep; both reach ZITADEL through zitadel-api, which needs neither.
    expect(graph.get('reconciler')?.has('sweep')).toBe(true);
    expect(graph.get('sweep')?.has('zitadel-api')).toBe(true);
    expect(graph.get('zitadel-api')?.has('reconciler')).toBe(false);
  });
});
