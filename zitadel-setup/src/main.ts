// The setup container's entry point: exits 0 when everything is in place, 1 with the reason
// (ZITADEL's own error message, a timeout, or a configuration problem) otherwise.
import { loadConfig } from './config';
import { runSetup } from './run-setup';

const log = (line: string) => process.stdout.write(`[zitadel-setup] ${line}\n`);

// Errors this program raises on purpose explain themselves; anything else also shows its stack.
const EXPLAINED = new Set(['ConfigError', 'ZitadelError', 'NotReadyError', 'Error']);

try {
  await runSetup(loadConfig(), { log });
} catch (error) {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    process.stderr.write(`[zitadel-setup] failed: ${error.message}${cause}\n`);
    if (!EXPLAINED.has(error.name)) process.stderr.write(`${error.stack}\n`);
  } else {
    process.stderr.write(`[zitadel-setup] failed: ${String(error)}\n`);
  }
  process.exitCode = 1;
}
