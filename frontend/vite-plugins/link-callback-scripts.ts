import type { Plugin, Rolldown } from 'vite';

type OutputBundle = Rolldown.OutputBundle;
type OutputChunk = Rolldown.OutputChunk;

/** The chunks a page's entry loads, statically and through its chunks' dynamic imports. */
function scriptsOf(bundle: OutputBundle, entry: OutputChunk) {
  const statics = new Set<string>();
  const linkStatic = (file: string) => {
    if (statics.has(file)) return;
    statics.add(file);
    const chunk = bundle[file];
    if (chunk?.type === 'chunk') chunk.imports.forEach(linkStatic);
  };
  linkStatic(entry.fileName);
  const dynamics = new Set<string>();
  const linkDynamic = (file: string) => {
    if (statics.has(file) || dynamics.has(file)) return;
    dynamics.add(file);
    const chunk = bundle[file];
    if (chunk?.type === 'chunk') chunk.imports.forEach(linkDynamic);
  };
  for (const file of statics) {
    const chunk = bundle[file];
    if (chunk?.type === 'chunk') chunk.dynamicImports.forEach(linkDynamic);
  }
  return { statics, dynamics };
}

/**
 * Nothing on the callback waits to learn that it needs a script:
 * - callback.html gets `<link rel="modulepreload">` for the chunks its entry imports dynamically
 *   (Vite links only static imports; the callback defers the API client and React on purpose, to
 *   evaluate them while requests travel, yet wants their bytes at once);
 * - the landing page prefetches all of the callback's scripts, at idle priority, so that after
 *   "Sign up" and the identity provider's form they come from the browser's cache.
 */
export function linkCallbackScripts({
  callback,
  landing,
}: {
  callback: string;
  landing: string;
}): Plugin {
  let base = '/';
  const link = (rel: 'modulepreload' | 'prefetch', file: string) => ({
    tag: 'link',
    attrs: { rel, crossorigin: true, href: `${base}${file}` },
    injectTo: 'head' as const,
  });
  return {
    name: 'link-callback-scripts',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk, filename }) {
        if (!bundle || !chunk) return;
        if (filename.endsWith(callback)) {
          return [...scriptsOf(bundle, chunk).dynamics].map((file) => link('modulepreload', file));
        }
        if (filename.endsWith(landing)) {
          const callbackEntry = Object.values(bundle).find(
            (output): output is OutputChunk =>
              output.type === 'chunk' &&
              output.isEntry &&
              output.facadeModuleId?.endsWith(callback) === true,
          );
          if (!callbackEntry) throw new Error(`link-callback-scripts: no entry for ${callback}`);
          const own = scriptsOf(bundle, chunk).statics;
          // An entry that only imports is written into its HTML as those imports, never loaded.
          if (/^\s*(import\s*["'][^"']+["'];?\s*)*$/.test(callbackEntry.code)) {
            own.add(callbackEntry.fileName);
          }
          const needed = scriptsOf(bundle, callbackEntry);
          return [...needed.statics, ...needed.dynamics]
            .filter((file) => !own.has(file))
            .map((file) => link('prefetch', file));
        }
      },
    },
  };
}
