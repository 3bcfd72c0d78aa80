import { is, Placeholder, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

export interface PreparedText<P extends string> {
  /** The statement's text, the same on every call (Postgres prepares it once per connection). */
  text: string;
  /** Its parameters for one call, in `$n` order. */
  params(values: Record<P, unknown>): unknown[];
}

/**
 * Renders a drizzle `sql` template once, for the hot path's raw prepared query. A placeholder used
 * several times becomes one `$n` (drizzle would number each use), so the statement has exactly
 * one parameter per name.
 */
export function prepareStatement<P extends string>(query: SQL): PreparedText<P> {
  const rendered = new PgDialect().sqlToQuery(query);
  const kept: unknown[] = [];
  const indexOf = new Map<string, number>();
  const renumber = rendered.params.map((param) => {
    const name = is(param, Placeholder) ? param.name : undefined;
    const seen = name === undefined ? undefined : indexOf.get(name);
    if (seen !== undefined) return seen;
    kept.push(param);
    if (name !== undefined) indexOf.set(name, kept.length);
    return kept.length;
  });
  const text = rendered.sql.replace(/\$(\d+)/g, (_, n: string) => `$${renumber[Number(n) - 1]}`);
  // Resolved once: per call, a placeholder is a property read and anything else a constant.
  const fill = kept.map((param) =>
    is(param, Placeholder) ? (values: Record<P, unknown>) => values[param.name as P] : () => param,
  );
  return { text, params: (values) => fill.map((get) => get(values)) };
}
