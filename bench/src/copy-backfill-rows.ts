import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openDatabase } from '@liverty-music/backend';
import postgres from 'postgres';
import {
  SYNTHETIC_ORG_ID,
  type SyntheticEvent,
  type SyntheticHistory,
  type SyntheticUser,
} from './synthetic-event-api';

// The backfill's baseline: the same rows the backfill leaves, written by COPY into empty tables.

// COPY's text format: backslash, tab and newline must be escaped; \N is null.
const copyText = (value: string | number | boolean | null) =>
  value === null
    ? '\\N'
    : String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');

// Lines go to COPY in batches: one stream chunk per row would measure the bench, not Postgres.
function* batched(lines: Iterable<string>, size = 1000) {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === size) {
      yield batch.join('');
      batch = [];
    }
  }
  if (batch.length > 0) yield batch.join('');
}

function* userLines(users: SyntheticUser[]) {
  for (const user of users) {
    const sequence = user.verified ? 2 : 1;
    yield `${[user.userId, SYNTHETIC_ORG_ID, user.email, user.verified, `${user.firstName} ${user.lastName}`, user.firstName, user.lastName, 'active', 1, sequence, 1, 1, 1, 1].map(copyText).join('\t')}\n`;
  }
}

function* eventLines(events: SyntheticEvent[]) {
  for (const event of events) {
    // Stored as the backend stores it: without the password hash.
    const { encodedHash: _secret, ...payload } = event.payload ?? {};
    yield `${['user', event.userId, event.sequence, event.type, SYNTHETIC_ORG_ID, event.creationDate, 'backfill', JSON.stringify(payload)].map(copyText).join('\t')}\n`;
  }
}

/** The backend's tables, empty, with all their indexes and constraints. */
export async function createEmptyTables(url: string): Promise<void> {
  const database = await openDatabase({ url, pgliteDir: 'memory://' });
  await database.migrate();
  await database.close();
}

export async function copyRows(url: string, history: SyntheticHistory): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const started = performance.now();
    // One transaction, as the backfill commits its pages: both tables or neither.
    await sql.begin(async (tx) => {
      await pipeline(
        Readable.from(batched(userLines(history.users))),
        await tx`copy users (zitadel_user_id, org_id, email, email_verified, display_name, given_name, family_name, state, email_sequence, email_verified_sequence, display_name_sequence, given_name_sequence, family_name_sequence, state_sequence) from stdin`.writable(),
      );
      await pipeline(
        Readable.from(batched(eventLines(history.events))),
        await tx`copy identity_events (aggregate_type, aggregate_id, sequence, event_type, resource_owner, event_time, source, payload) from stdin`.writable(),
      );
    });
    return (performance.now() - started) / 1000;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
