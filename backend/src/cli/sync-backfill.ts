// `npm run sync:backfill`: imports every existing ZITADEL user through the Event API, in
// checkpointed pages. Safe to interrupt (Ctrl-C finishes the current page) and to run again:
// it resumes from its checkpoint, and events already applied are recognised.
import { configOrExit, loadSyncConfig } from '../config';
import { openDatabase } from '../db/open-database';
import { createEventApiClient } from '../reconciler/event-api-client';
import { syncEvents } from '../reconciler/sync-events';

const config = configOrExit(loadSyncConfig);

const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
await database.migrate();
const abort = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nstopping after the current page…\n');
  abort.abort();
});

const started = Date.now();
let firstEventAt: number | undefined;
const interactive = process.stderr.isTTY;

// The Event API cannot count, so the bar measures time covered: from the oldest event seen to now.
function render(progress: { events: number; applied: number; position: string | null }) {
  const at = progress.position ? Date.parse(progress.position) : Date.now();
  firstEventAt ??= at;
  const span = Math.max(1, Date.now() - firstEventAt);
  const share = Math.min(1, Math.max(0, (at - firstEventAt) / span));
  const width = 30;
  const filled = Math.round(share * width);
  const rate = progress.events / Math.max(0.001, (Date.now() - started) / 1000);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${progress.events} events, ${progress.applied} applied, ${Math.round(rate)}/s  up to ${progress.position ?? '—'}`;
  process.stderr.write(interactive ? `\r${line}` : `${line}\n`);
}

try {
  const progress = await syncEvents({
    db: database.db,
    client: createEventApiClient({ apiUrl: config.ZITADEL_API_URL, pat: config.ZITADEL_PAT }),
    checkpoint: 'backfill',
    source: 'backfill',
    overlapMs: 1000,
    onPage: render,
    signal: abort.signal,
  });
  if (interactive) process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `${abort.signal.aborted ? 'interrupted' : 'backfill complete'}: ${progress.events} events read, ${progress.applied} applied in ${seconds.toFixed(1)} s\n`,
  );
  process.exitCode = abort.signal.aborted ? 130 : 0;
} catch (error) {
  process.stderr.write(
    `\nbackfill failed: ${error instanceof Error ? error.message : String(error)}\nRun it again to resume from the last completed page.\n`,
  );
  process.exitCode = 1;
} finally {
  await database.close();
}
