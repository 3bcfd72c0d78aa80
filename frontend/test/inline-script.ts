import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const html = readFileSync(resolve(import.meta.dirname, '../callback.html'), 'utf8');
const found = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
if (found === undefined) throw new Error('callback.html has no inline script');

/** callback.html's inline script (decision 041), exactly as the browser hashes it. */
export const earlyTokenScript: string = found;
/** The CSP source that allows it. */
export const earlyTokenScriptSource = `'sha256-${createHash('sha256').update(found).digest('base64')}'`;
