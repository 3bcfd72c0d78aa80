// `npm run sync:drift`: prints how the app database differs from ZITADEL — missing users, extra
// users, different fields. Reads only; changes nothing. ZITADEL's side comes from its events,
// read exactly as the reconciler and the backfill read them (ListUsers snapshots included where an
// instant holds more than the Event API can page through). `--list-users` also compares with
// ListUsers, ZITADEL's current state read independently of the events.
// `--exit-code` exits 1 when there is any drift (for scripts and monitoring).
// `--repair` first runs one sweep (docs/decisions/032), as the reconciler's leader does every
// RECONCILER_SWEEP_INTERVAL_MS: creates missing users, updates stale ones, and — only when the
// ListUsers listing is complete — marks removed the users ZITADEL no longer lists. It exits 2
// unless the sweep is complete.
import { configOrExit, loadSyncConfig, retryPolicyOf } from '../config';
import { openDatabase } from '../db/open-database';
import { users } from '../db/schema';
import { describeSyncFailure } from '../reconciler/describe-sync-failure';
import { type Drift, findDrift } from '../reconciler/find-drift';
import { readUsersFromEvents, readUsersFromListUsers } from '../reconciler/read-zitadel-users';
import { runSweep } from '../sweep/run-sweep';
import { createZitadelClient } from '../zitadel-api/zitadel-client';

const config = configOrExit(loadSyncConfig);
const withListUsers = process.argv.includes('--list-users');
const repair = process.argv.includes('--repair');

const out = (line: string) => process.stdout.write(`${line}\n`);

function report(title: string, drift: Drift): number {
  out(`${title}`);
  out(`missing in app: ${drift.missing.length}`);
  for (const user of drift.missing)
    out(`  - ${user.zitadelUserId}  ${user.email ?? ''}  (${user.state})`);
  out(`extra in app: ${drift.extra.length}`);
  for (const row of drift.extra)
    out(`  + ${row.zitadelUserId}  ${row.email ?? ''}  (${row.state})`);
  out(`different fields: ${drift.different.length}`);
  for (const diff of drift.different) {
    out(
      `  ~ ${diff.zitadelUserId}  ${diff.field}: zitadel=${JSON.stringify(diff.zitadel)} app=${JSON.stringify(diff.app)}`,
    );
  }
  return drift.missing.length + drift.extra.length + drift.different.length;
}

const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
try {
  await database.migrate();
  const retry = retryPolicyOf(config);
  const client = createZitadelClient({
    apiUrl: config.ZITADEL_API_URL,
    pat: config.ZITADEL_PAT,
    timeoutMs: config.ZITADEL_API_TIMEOUT_MS,
  });
  if (repair) {
    const sweep = await runSweep({ db: database.db, client, retry });
    out(
      `sweep ${sweep.outcome}: ${sweep.listed} of ${sweep.totalResult} users listed; ${sweep.created} created, ${sweep.updated} updated, ${sweep.removed} removed in ${sweep.seconds.toFixed(1)} s`,
    );
    if (sweep.outcome !== 'complete') {
      out(`the sweep stopped early (${sweep.reason ?? 'unknown'}): nobody was removed by it`);
      process.exitCode = 2;
    }
  }
  const zitadel = await readUsersFromEvents(client, {
    retry,
    settleMs: config.SYNC_PROJECTION_SETTLE_MS,
  });
  const rows = await database.db.select().from(users);

  out(
    `ZITADEL users (from events${zitadel.snapshots > 0 ? ` and ${zitadel.snapshots} ListUsers snapshots` : ''}): ${zitadel.users.size}   app users: ${rows.length}`,
  );
  let drifted = report('— compared with ZITADEL’s events —', findDrift(zitadel.users, rows));
  if (withListUsers) {
    const current = await readUsersFromListUsers(client, retry);
    out(`ZITADEL users (ListUsers, current state): ${current.size}`);
    // ListUsers no longer shows removed users; an app row marked removed is expected to be absent.
    drifted += report(
      '— compared with ZITADEL’s ListUsers —',
      findDrift(
        current,
        rows.filter((row) => row.state !== 'removed' || current.has(row.zitadelUserId)),
      ),
    );
  }
  const changed = repair ? 'after the sweep' : '(nothing was changed)';
  out(drifted > 0 ? `drift found ${changed}` : 'no drift');
  if (drifted > 0 && process.argv.includes('--exit-code') && !process.exitCode)
    process.exitCode = 1;
} catch (error) {
  const failure = describeSyncFailure(error);
  process.stderr.write(`drift check failed: ${failure.message}\nWhat to do: ${failure.advice}\n`);
  process.exitCode = 2;
} finally {
  await database.close();
}
