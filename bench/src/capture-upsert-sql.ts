import { randomUUID } from 'node:crypto';
import { type Identity, provisionFromToken, schema } from '@liverty-music/backend';
import { drizzle } from 'drizzle-orm/pg-proxy';
import { profileFor } from './bench-identity';

export interface CapturedStatement {
  text: string;
  params: unknown[];
}

// A subject no workload uses, so its digits mark exactly the parameters derived from `sub`.
const MARKER_SUB = '999999999999999999';

/** The Identity the backend's authenticator builds from the bench issuer's userinfo. */
export function identityFor(sub: string): Identity {
  const profile = profileFor(sub);
  return {
    zitadelUserId: sub,
    email: profile.email,
    emailVerified: profile.email_verified,
    displayName: profile.name,
    givenName: profile.given_name,
    familyName: profile.family_name,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The INSERT … ON CONFLICT statement GetOrCreate sends, exactly as it stands in
 * provision-from-token.ts right now: the real function runs against a database handle (drizzle's
 * proxy driver and a raw-query function) that records the SQL text and parameters instead of
 * executing them. So the pgbench baseline can
 * never drift from the code it is a baseline for.
 */
export async function captureUpsertStatement(): Promise<CapturedStatement> {
  const statements: CapturedStatement[] = [];
  const record = async (text: string, params: unknown[]) => {
    statements.push({ text, params });
    return [];
  };
  const db = drizzle(async (text, params) => ({ rows: await record(text, params) }), {
    schema,
  });
  // The database handle's two faces: drizzle, and raw SQL (the prepared GetOrCreate statement).
  const handle = { db, query: record } as unknown as Parameters<typeof provisionFromToken>[0];
  // With no row back the function concludes the user is blocked and throws; only the SQL matters.
  await provisionFromToken(handle, identityFor(MARKER_SUB)).catch(() => undefined);
  const upsert = statements.find(
    (statement) =>
      /insert\s+into\s+"?users"?/i.test(statement.text) && /on\s+conflict/i.test(statement.text),
  );
  if (!upsert) {
    throw new Error(
      `provisionFromToken sent no INSERT … ON CONFLICT into "users"; it sent:\n${statements.map((s) => s.text).join('\n')}`,
    );
  }
  return upsert;
}

/** Parameters for running the captured statement for `sub` (a fresh claim id each time). */
export function parametersFor(statement: CapturedStatement, sub: string): unknown[] {
  return statement.params.map((param) => {
    if (typeof param !== 'string') return param;
    if (UUID.test(param)) return randomUUID();
    return param.split(MARKER_SUB).join(sub);
  });
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The statement with every parameter replaced by SQL built from the pgbench variable `:sub`
 * (a bigint), so each pgbench transaction sends the same values a GetOrCreate for that user would.
 */
export function toPgbenchSql(statement: CapturedStatement): string {
  const expression = (param: unknown): string => {
    if (param === null || param === undefined) return 'null';
    if (typeof param === 'boolean' || typeof param === 'number') return String(param);
    if (param instanceof Date) return `${literal(param.toISOString())}::timestamptz`;
    if (typeof param !== 'string') return literal(JSON.stringify(param));
    if (UUID.test(param)) return 'gen_random_uuid()';
    if (!param.includes(MARKER_SUB)) return literal(param);
    return param
      .split(MARKER_SUB)
      .map((part) => (part === '' ? undefined : literal(part)))
      .flatMap((part, index) => (index === 0 ? [part] : ['cast(:sub as text)', part]))
      .filter((part): part is string => part !== undefined)
      .join(' || ');
  };
  // Highest index first, so $1 never eats the start of $10.
  let text = statement.text;
  for (let index = statement.params.length; index >= 1; index--) {
    text = text.replaceAll(`$${index}`, `(${expression(statement.params[index - 1])})`);
  }
  return `${text.trim()};`;
}
