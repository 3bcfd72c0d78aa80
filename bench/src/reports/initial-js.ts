import type { InitialJsResults } from '../measure-initial-js';
import { kb, type TargetRow, table, times } from './format';

// The frontend's initial JavaScript in the reports.

const INITIAL_JS_RATIO_TARGET = 1.6;

export function initialJsTarget(js: InitialJsResults): TargetRow {
  return {
    target: `initial JS ≤ ${INITIAL_JS_RATIO_TARGET}× a plain Vite React app (gzip)`,
    measured: `${times(js.ratio)} (${js.app.initialGzipBytes.toLocaleString('en-US')} B vs ${js.plainReact.initialGzipBytes.toLocaleString('en-US')} B)`,
    ok: js.ratio <= INITIAL_JS_RATIO_TARGET,
  };
}

export function initialJsSection(js: InitialJsResults): string {
  return [
    table(
      ['build', 'initial JS files', 'raw', 'gzip -9', 'lazy chunks (gzip)'],
      [
        [
          'frontend/',
          js.app.initialFiles.join(', '),
          kb(js.app.initialRawBytes),
          kb(js.app.initialGzipBytes),
          `${js.app.lazyFiles} (${kb(js.app.lazyGzipBytes)})`,
        ],
        [
          'plain Vite React app',
          js.plainReact.initialFiles.join(', '),
          kb(js.plainReact.initialRawBytes),
          kb(js.plainReact.initialGzipBytes),
          `${js.plainReact.lazyFiles} (${kb(js.plainReact.lazyGzipBytes)})`,
        ],
      ],
    ),
    `Ratio: **${times(js.ratio)}**. Initial = the HTML entry's chunk and its static imports in Vite's manifest (what the browser must fetch before the first render); dynamic imports are counted apart. Both built in this run by the repository's Vite with @vitejs/plugin-react; the plain app renders one heading with React 19.`,
  ].join('\n\n');
}
