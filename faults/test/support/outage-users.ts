import {
  addedPayload,
  newUserId,
  type TestIssuer,
  webhookBody,
} from '@liverty-music/backend/testing';
import type postgres from 'postgres';
import type { Exchange } from './call-backend';

// The users of the outage case: callers provisioning themselves through GetOrCreate, users
// arriving by webhook, and the check that each ended up in the database exactly once, whole.

export interface LoadUser {
  sub: string;
  email: string;
  name: string;
  token: string;
  attempts: number;
  /** How many answers said `created: true` (must end ≤ 1; see the note on lost answers). */
  createdAnswers: number;
  succeeded: boolean;
  unavailableAnswers: number;
}

export async function createLoadUsers(issuer: TestIssuer, count: number): Promise<LoadUser[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const sub = newUserId();
      const email = `outage-${index}@example.com`;
      const name = `Outage User ${index}`;
      const token = await issuer.issue({
        sub,
        email,
        email_verified: true,
        name,
        given_name: 'Outage',
        family_name: `User ${index}`,
      });
      return {
        sub,
        email,
        name,
        token,
        attempts: 0,
        createdAnswers: 0,
        succeeded: false,
        unavailableAnswers: 0,
      };
    }),
  );
}

export type WebhookUser = ReturnType<typeof createWebhookUsers>[number];

export function createWebhookUsers() {
  return Array.from({ length: 10 }, (_, index) => {
    const sub = newUserId();
    const email = `webhook-outage-${index}@example.com`;
    const body = webhookBody({
      userId: sub,
      sequence: 1,
      eventType: 'user.human.added',
      payload: addedPayload(email, 'Webhook', `Outage ${index}`),
    });
    return { sub, email, body };
  });
}

export const describeExchange = (exchange: Exchange) =>
  `HTTP ${exchange.status} ${exchange.code ?? exchange.failure ?? ''} after ${Math.round(exchange.ms)} ms`;

/**
 * Every user exactly once, whole: the fields userinfo gave, a claim, and nothing else. Returns
 * the rows, how many users have none, and the users whose rows are duplicated or half-written.
 */
export async function findProvisionedRows(
  sql: postgres.Sql,
  users: readonly LoadUser[],
  webhookUsers: readonly WebhookUser[],
) {
  const rows = await sql<
    {
      zitadel_user_id: string;
      email: string | null;
      email_verified: boolean;
      display_name: string;
      claim_id: string | null;
      state: string;
    }[]
  >`select zitadel_user_id, email, email_verified, display_name, claim_id, state from users`;
  const bySub = new Map<string, (typeof rows)[number][]>();
  for (const row of rows) {
    bySub.set(row.zitadel_user_id, [...(bySub.get(row.zitadel_user_id) ?? []), row]);
  }
  const incomplete: string[] = [];
  let lost = 0;
  for (const user of users) {
    const found = bySub.get(user.sub) ?? [];
    const row = found[0];
    if (!row) lost++;
    else if (
      found.length > 1 ||
      row.email !== user.email ||
      !row.email_verified ||
      row.display_name !== user.name ||
      row.claim_id === null ||
      row.state !== 'active'
    ) {
      incomplete.push(`${user.sub}: ${JSON.stringify(found)}`);
    }
  }
  for (const user of webhookUsers) {
    const found = bySub.get(user.sub) ?? [];
    if (found.length === 0) lost++;
    else if (found.length > 1 || found[0]?.email !== user.email) {
      incomplete.push(`${user.sub}: ${JSON.stringify(found)}`);
    }
  }
  return { rows, lost, incomplete };
}
