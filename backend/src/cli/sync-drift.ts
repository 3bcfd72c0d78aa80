// `npm run sync:drift`: prints how the app database differs from what ZITADEL's events say —
// missing users, extra users, different fields. Reads only; changes nothing.
// `--exit-code` exits 1 when there is any drift (for scripts and monitoring).
import { configOrExit, loadSyncConfig } from '../config';
import { openDatabase } from '../db/open-database';
import { users } from '../db/schema';
import { createEventApiClient } from '../reconciler/event-api-client';
import { findDrift } from '../reconciler/find-drift';
import { foldEvents } from '../reconciler/fold-events';
import { readAllEvents } from '../reconciler/read-all-events';

const config = configOrExit(loadSyncConfig);

const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
try {
  await database.migrate();
  const client = createEventApiClient({ apiUrl: config.ZITADEL_API_URL, pat: config.ZITADEL_PAT });
  const zitadel = foldEvents(await readAllEvents(client));
  const rows = await database.db.select().from(users);
  const drift = findDrift(zitadel, rows);

  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`ZITADEL users (from events): ${zitadel.size}   app users: ${rows.length}`);
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
  const drifted = drift.missing.length + drift.extra.length + drift.different.length > 0;
  out(drifted ? 'drift found (nothing was changed)' : 'no drift');
  if (drifted && process.argv.includes('--exit-code')) process.exitCode = 1;
} catch (error) {
  process.stderr.write(
    `drift check failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 2;
} finally {
  await database.close();
}
