// One sweep in a process of its own, so its peak RSS is the sweep's (not the bench's synthetic
// ZITADEL, which holds every user). Prints one `sweep-result {json}` line; exits 1 unless the
// sweep is complete. Started by measure-sweep.ts.
import { createZitadelClient, openDatabase, runSweep } from '@liverty-music/backend';

const { DATABASE_URL, ZITADEL_API_URL, ZITADEL_PAT } = process.env;
if (!DATABASE_URL || !ZITADEL_API_URL || !ZITADEL_PAT) {
  process.stderr.write('sweep-once: DATABASE_URL, ZITADEL_API_URL and ZITADEL_PAT are needed\n');
  process.exit(2);
}
const database = await openDatabase({ url: DATABASE_URL, pgliteDir: 'unused' });
try {
  await database.migrate();
  const result = await runSweep({
    db: database.db,
    client: createZitadelClient({ apiUrl: ZITADEL_API_URL, pat: ZITADEL_PAT }),
  });
  // ru_maxrss: the largest resident set this process had, in KiB on Linux.
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`sweep-result ${JSON.stringify({ ...result, peakRssMiB })}\n`);
  if (result.outcome !== 'complete') process.exitCode = 1;
} finally {
  await database.close();
}
