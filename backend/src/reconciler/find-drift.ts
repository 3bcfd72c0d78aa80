import type { UserRow } from '../db/schema';
import { FIELD_NAMES } from '../provisioning/user-fields';
import type { ZitadelUser } from './fold-events';

const COMPARED = FIELD_NAMES;

export interface Drift {
  /** In ZITADEL, no app row. */
  missing: ZitadelUser[];
  /** App rows ZITADEL's events do not mention (e.g. older than the event retention). */
  extra: UserRow[];
  /** Both exist but fields differ. */
  different: { zitadelUserId: string; field: string; zitadel: unknown; app: unknown }[];
}

export function findDrift(zitadel: Map<string, ZitadelUser>, rows: UserRow[]): Drift {
  const byId = new Map(rows.map((row) => [row.zitadelUserId, row]));
  const drift: Drift = { missing: [], extra: [], different: [] };
  for (const [id, user] of zitadel) {
    const row = byId.get(id);
    if (!row) {
      drift.missing.push(user);
      continue;
    }
    for (const field of COMPARED) {
      if (row[field] !== user[field]) {
        drift.different.push({ zitadelUserId: id, field, zitadel: user[field], app: row[field] });
      }
    }
  }
  for (const row of rows) if (!zitadel.has(row.zitadelUserId)) drift.extra.push(row);
  return drift;
}
