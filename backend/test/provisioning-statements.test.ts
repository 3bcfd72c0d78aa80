import { getTableColumns } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { identityEvents, users } from '../src/db/schema';
import { logStatement } from '../src/provisioning/apply-identity-event';
import { PROVISION_FROM_TOKEN } from '../src/provisioning/provision-from-token';
import { upsertStatement } from '../src/provisioning/upsert-user-fields';
import { FIELD_COLUMNS, FIELD_NAMES } from '../src/provisioning/user-fields';
import { listedPageStatement } from '../src/sweep/write-listed-page';

// The provisioning statements are written out as SQL. These checks hold their column lists to
// schema.ts, so a column added to `users` fails here until each statement says what it does with
// it (writes it, or leaves it to its default).
const ALL = Object.values(getTableColumns(users)).map((column) => column.name);
const FIELDS = FIELD_NAMES.flatMap((field) => [
  FIELD_COLUMNS[field].value.name,
  FIELD_COLUMNS[field].sequence.name,
]);
const PROFILE = FIELD_NAMES.filter((field) => field !== 'state');
const sorted = (names: readonly string[]) => [...names].sort();
const names = (list: string | undefined) =>
  (list ?? '')
    .split(',')
    .map((name) => name.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
const insertList = (text: string) => names(/insert into users \(([^)]*)\)/.exec(text)?.[1]);
const assigned = (text: string) =>
  [...(text.split(/do update set/)[1] ?? '').matchAll(/^\s*(\w+) = /gm)].map(
    (match) => match[1] ?? '',
  );

describe("GetOrCreate's upsert (provision-from-token.ts)", () => {
  const text = PROVISION_FROM_TOKEN;

  it('inserts every column but the ones left to their defaults', () => {
    // Left out: the row's own id and timestamps, the org (only events know it), and the state
    // with its sequence (a token's user is active; only events change that).
    const leftToDefaults = ['id', 'org_id', 'state', 'state_sequence', 'created_at', 'updated_at'];
    expect(sorted([...insertList(text), ...leftToDefaults])).toEqual(sorted(ALL));
  });

  it('updates every inserted column but the key, and updated_at', () => {
    const inserted = insertList(text).filter((name) => name !== 'zitadel_user_id');
    expect(sorted(assigned(text))).toEqual(sorted([...inserted, 'updated_at']));
  });

  it('compares every profile field and its sequence before writing', () => {
    const profile = PROFILE.map((field) => FIELD_COLUMNS[field].value.name);
    const sequences = PROFILE.map((field) => FIELD_COLUMNS[field].sequence.name);
    expect(names(/then \(([^)]*)\)\s+is not distinct from/.exec(text)?.[1])).toEqual(profile);
    expect(names(/least\(([^)]*)\)/.exec(text)?.[1])).toEqual(sequences);
    for (const name of profile) {
      expect(text).toContain(`and users.${name} is distinct from excluded.${name})`);
    }
  });
});

describe("the events' and snapshots' upsert (upsert-user-fields.ts)", () => {
  const text = new PgDialect().sqlToQuery(upsertStatement('[]')).sql;

  it('inserts the id, the org and every field with its sequence', () => {
    expect(sorted(insertList(text))).toEqual(sorted(['zitadel_user_id', 'org_id', ...FIELDS]));
    const leftToDefaults = ['id', 'claim_id', 'created_at', 'updated_at'];
    expect(sorted([...insertList(text), ...leftToDefaults])).toEqual(sorted(ALL));
  });

  it('reads the same columns from the recordset, with their schema types', () => {
    const record = /as incoming\(([^)]*)\)/.exec(text)?.[1] ?? '';
    expect(names(record)).toEqual([...insertList(text), 'creates']);
    for (const [, column] of Object.entries(getTableColumns(users))) {
      if (!insertList(text).includes(column.name)) continue;
      expect(record).toMatch(new RegExp(`\\b${column.name} ${column.getSQLType()}\\b`));
    }
    expect(names(/^select ([\s\S]*?)\nfrom/m.exec(text)?.[1])).toEqual(insertList(text));
  });

  it('updates every field and its sequence by the per-field rule, the org and updated_at', () => {
    expect(sorted(assigned(text))).toEqual(sorted([...FIELDS, 'org_id', 'updated_at']));
    const moves = /updated_at = case when ([\s\S]*?) then now\(\)/.exec(text)?.[1] ?? '';
    for (const field of FIELD_NAMES) {
      const { value, sequence } = FIELD_COLUMNS[field];
      const newer = `users.${sequence.name} < excluded.${sequence.name}`;
      expect(text).toContain(`${value.name} = case when ${newer}`);
      expect(moves).toContain(newer);
    }
    const returned = /returning ([\s\S]*)$/
      .exec(text)?.[1]
      ?.replace('(xmax = 0) as inserted', 'inserted');
    expect(names(returned)).toEqual([
      'zitadel_user_id',
      'inserted',
      'state',
      ...FIELD_NAMES.map((field) => FIELD_COLUMNS[field].sequence.name),
    ]);
  });
});

describe("the sweep's upsert (sweep/write-listed-page.ts)", () => {
  const text = new PgDialect().sqlToQuery(listedPageStatement('[]', 1)).sql;

  it('inserts and reads from the recordset the id, the org and every field with its sequence', () => {
    expect(sorted(insertList(text))).toEqual(sorted(['zitadel_user_id', 'org_id', ...FIELDS]));
    const record = /as page\(([^)]*)\)/.exec(text)?.[1] ?? '';
    expect(names(record)).toEqual(insertList(text));
    for (const column of Object.values(getTableColumns(users))) {
      if (!insertList(text).includes(column.name)) continue;
      expect(record).toMatch(new RegExp(`\\b${column.name} ${column.getSQLType()}\\b`));
    }
    expect(names(/^select ([\s\S]*?)\nfrom incoming/m.exec(text)?.[1])).toEqual(insertList(text));
  });

  it('updates every field and its sequence by the per-field rule, the org and updated_at', () => {
    expect(sorted(assigned(text))).toEqual(sorted([...FIELDS, 'org_id', 'updated_at']));
  });
});

describe("the event log's insert (apply-identity-event.ts)", () => {
  const text = new PgDialect().sqlToQuery(logStatement('[]')).sql;
  const logInsert = () => names(/insert into identity_events \(([^)]*)\)/.exec(text)?.[1]);

  it('inserts every column but the ones left to their defaults, read with their schema types', () => {
    const all = Object.values(getTableColumns(identityEvents)).map((column) => column.name);
    // Left out: the log's own id and the time of receipt.
    expect(sorted([...logInsert(), 'id', 'received_at'])).toEqual(sorted(all));
    const record = /as event\(([^)]*)\)/.exec(text)?.[1] ?? '';
    expect(names(record)).toEqual(logInsert());
    for (const column of Object.values(getTableColumns(identityEvents))) {
      if (!logInsert().includes(column.name)) continue;
      expect(record).toContain(`${column.name} ${column.getSQLType()}`);
    }
    expect(names(/^select ([\s\S]*?)\nfrom/m.exec(text)?.[1])).toEqual(logInsert());
  });
});
