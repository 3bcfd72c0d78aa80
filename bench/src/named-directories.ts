import { resolve } from 'node:path';

/**
 * The `name=directory` arguments of the same-run A/B scripts (at least two; directories made
 * absolute). The first is the baseline the others are divided by.
 */
export function namedDirectories(args: string[], what: string): { name: string; dir: string }[] {
  const named = args.map((arg) => {
    const [name, dir] = arg.split('=');
    if (!name || !dir) throw new Error(`expected name=${what}, got "${arg}"`);
    return { name, dir: resolve(dir) };
  });
  if (named.length < 2) throw new Error(`give at least two ${what}s: name=${what} name=${what}`);
  return named;
}
