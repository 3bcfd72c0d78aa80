// `npm run sync:backfill`: imports every existing ZITADEL user through the Event API, in
// checkpointed segments (ListUsers snapshots where one instant holds more than the Event API can
// page through). Safe to interrupt (Ctrl-C finishes the current segment) and to run again: it
// resumes from its checkpoint, and events already applied are recognised. Exits 0 and says
// "backfill complete" only when the Event API had nothing newer; every other ending names where
// it stopped and what to do, and exits non-zero.
import { configOrExit, loadSyncConfig, retryPolicyOf } from '../config';
import { openDatabase } from '../db/open-database';
import { describeSyncFailure } from '../reconciler/describe-sync-failure';
import { readCheckpoint, type SyncProgress, syncEvents } from '../reconciler/sync-events';
import { formatMicros } from '../zitadel-api/event-instant';
import { createZitadelClient } from '../zitadel-api/zitadel-client';

const config = configOrExit(loadSyncConfig);

const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
const abort = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nstopping after the current segment…\n');
  abort.abort();
});

let started = Date.now();
let firstEventAt: number | undefined;
const interactive = process.stderr.isTTY;
const client = createZitadelClient({
  apiUrl: config.ZITADEL_API_URL,
  pat: config.ZITADEL_PAT,
  timeoutMs: config.ZITADEL_API_TIMEOUT_MS,
});

// The Event API cannot count, so the bar measures time covered: from the oldest event seen to now.
function render(progress: SyncProgress) {
  const at = progress.position ? Date.parse(progress.position) : Date.now();
  firstEventAt ??= at;
  const span = Math.max(1, Date.now() - firstEventAt);
  const share = Math.min(1, Math.max(0, (at - firstEventAt) / span));
  const width = 30;
  const filled = Math.round(share * width);
  const rate = progress.events / Math.max(0.001, (Date.now() - started) / 1000);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${progress.events} events, ${progress.usersCreated} users created, ${progress.usersUpdated} updated, ${Math.round(rate)}/s  up to ${progress.position ?? '—'}`;
  process.stderr.write(interactive ? `\r${line}` : `${line}\n`);
}

const summary = (progress: SyncProgress) =>
  `${progress.events} events read, ${progress.applied} applied, ${progress.usersCreated} users created, ${progress.usersUpdated} updated${progress.snapshots > 0 ? `, ${progress.snapshots} users from ListUsers snapshots` : ''}`;

let progress: SyncProgress | undefined;
try {
  await database.migrate();
  // The timer starts after start-up and migrations: it measures the import itself.
  started = Date.now();
  progress = await syncEvents({
    db: database.db,
    client,
    checkpoint: 'backfill',
    source: 'backfill',
    overlapMs: 1000,
    retry: retryPolicyOf(config),
    settleMs: config.SYNC_PROJECTION_SETTLE_MS,
    onSegment: (partial, segment) => {
      progress = partial;
      if (segment.dense) {
        process.stderr.write(
          `${interactive ? '\n' : ''}${formatMicros(segment.through)} holds ${segment.dense.events} events${segment.dense.snapshots > 0 ? ` and ${segment.dense.snapshots} users read through ListUsers (${segment.dense.overflowed.join(', ')} overflowed the Event API)` : ''}\n`,
        );
      }
      render(partial);
    },
    onRetry: (error, attempt) =>
      process.stderr.write(`${interactive ? '\n' : ''}retrying (${attempt}): ${error.message}\n`),
    signal: abort.signal,
  });
  if (interactive) process.stderr.write('\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (abort.signal.aborted && !progress.caughtUp) {
    process.stdout.write(
      `backfill interrupted at ${progress.position ?? 'the start'}: ${summary(progress)} in ${seconds} s.\nRun it again to resume from there.\n`,
    );
    process.exitCode = 130;
  } else if (!progress.caughtUp) {
    // syncEvents returns early only when aborted; anything else would be a bug, and must not pass
    // for success.
    process.stdout.write(
      `backfill stopped at ${progress.position ?? 'the start'} before reaching the newest event: ${summary(progress)}.\nRun it again to resume.\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write(
      `backfill complete: ${summary(progress)} in ${seconds} s; every event up to ${progress.position ?? 'now'} is applied\n`,
    );
    process.exitCode = 0;
  }
} catch (error) {
  const failure = describeSyncFailure(error);
  const checkpoint = await readCheckpoint(database.db, 'backfill').catch(() => undefined);
  const where =
    checkpoint === undefined
      ? 'before its first segment (nothing imported yet)'
      : `at ${formatMicros(checkpoint)} (every event created up to then is imported)`;
  process.stderr.write(
    `\nbackfill stopped ${where}: ${failure.message}\n${progress ? `So far this run: ${summary(progress)}.\n` : ''}What to do: ${failure.advice}\nThen run \`npm run sync:backfill\` again: it resumes from the checkpoint.\n`,
  );
  process.exitCode = 1;
} finally {
  await database.close();
}
