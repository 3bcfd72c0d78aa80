import {
  addedPayload,
  newUserId,
  sign,
  startTestIssuer,
  type TestIssuer,
  webhookBody,
} from '@liverty-music/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBackend, startBackend } from './support/backend-process';
import {
  callUserService,
  createDispatcher,
  deliverWebhook,
  type Exchange,
  type UserReply,
} from './support/call-backend';
import { createTally } from './support/fault-tally';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { createRandom, suiteSeed } from './support/seeded-random';

// Three backend processes share one Postgres, as three replicas behind a load balancer would.
// Every user is hit through every path at once — the callback (GetOrCreate), lazy provisioning
// (GetMe) and the webhook — on random replicas, all 500 calls of a wave in flight together.
const tally = createTally('three replicas');
const random = createRandom(suiteSeed());
const SIGNING_KEY = 'faults-replica-signing-key';
const USERS_PER_WAVE = 100;
const CALLS_PER_USER = 5; // 100 users × 5 = 500 concurrent calls per wave
const WAVES = 2;

let issuer: TestIssuer;
let database: ScratchDatabase;
let replicas: RunningBackend[] = [];
const dispatcher = createDispatcher(512);

beforeAll(async () => {
  tally.note(`seed ${random.seed} (FAULTS_SEED replays the call mix)`);
  issuer = await startTestIssuer();
  database = await createScratchDatabase();
  // Started together: the migrations' advisory lock has to order three first runs on an empty
  // database.
  replicas = await Promise.all(
    [0, 1, 2].map(() =>
      startBackend({
        databaseUrl: database.url,
        issuer: issuer.issuer,
        audience: issuer.audience,
        webhookSigningKeys: [SIGNING_KEY],
      }),
    ),
  );
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await dispatcher.close();
  await issuer?.close();
  await database?.drop();
});

type CallKind = 'GetOrCreate' | 'GetMe' | 'webhook';

interface WaveUser {
  sub: string;
  email: string;
  token: string;
  body: string;
}

async function createUsers(wave: number): Promise<WaveUser[]> {
  return Promise.all(
    Array.from({ length: USERS_PER_WAVE }, async (_, index) => {
      const sub = newUserId();
      const email = `replica-${wave}-${index}@example.com`;
      const token = await issuer.issue({
        sub,
        email,
        email_verified: true,
        name: `Replica ${index}`,
        given_name: 'Replica',
        family_name: String(index),
      });
      const body = webhookBody({
        userId: sub,
        sequence: 1,
        eventType: 'user.human.added',
        payload: addedPayload(email, 'Replica', String(index)),
      });
      return { sub, email, token, body };
    }),
  );
}

describe('three backends on one Postgres under 500 concurrent mixed calls', () => {
  for (let wave = 1; wave <= WAVES; wave++) {
    it(`wave ${wave}: exactly one row and exactly one created:true per user`, async () => {
      const users = await createUsers(wave);
      // Every user gets at least two callbacks, a GetMe and a webhook delivery, plus one random
      // call; the order and the replica of each are random.
      const kinds: CallKind[] = ['GetOrCreate', 'GetOrCreate', 'GetMe', 'webhook'];
      const plan = random.shuffle(
        users.flatMap((user) =>
          Array.from({ length: CALLS_PER_USER }, (_, index) => ({
            user,
            kind: kinds[index] ?? random.pick<CallKind>(['GetOrCreate', 'GetMe', 'webhook']),
            replica: random.pick(replicas),
          })),
        ),
      );

      const results = await Promise.all(
        plan.map(async (call) => {
          const options = { timeoutMs: 30_000, dispatcher };
          const exchange: Exchange =
            call.kind === 'webhook'
              ? await deliverWebhook(
                  call.replica.baseUrl,
                  call.user.body,
                  sign(call.user.body, SIGNING_KEY),
                  options,
                )
              : await callUserService(call.replica.baseUrl, call.kind, {
                  ...options,
                  token: call.user.token,
                });
          return { ...call, exchange };
        }),
      );

      for (const { kind, exchange, user } of results) {
        if (exchange.status === 200) tally.accepted();
        else {
          tally.unexpected(
            `${kind} for ${user.sub}: HTTP ${exchange.status} ${exchange.code ?? exchange.failure ?? ''}`,
          );
        }
      }
      const failed = results.filter((result) => result.exchange.status !== 200);
      expect(
        failed.map((result) => `${result.kind}: ${result.exchange.status} ${result.exchange.code}`),
      ).toEqual([]);

      const problems: string[] = [];
      for (const user of users) {
        const mine = results.filter((result) => result.user === user);
        const replies = mine
          .filter((result) => result.kind !== 'webhook')
          .map((result) => result.exchange.json as UserReply);
        const created = mine.filter(
          (result) =>
            result.kind === 'GetOrCreate' && (result.exchange.json as UserReply).created === true,
        ).length;
        if (created !== 1) problems.push(`${user.sub}: ${created} GetOrCreate calls said created`);
        const ids = new Set(replies.map((reply) => reply.user?.id));
        if (ids.size !== 1) problems.push(`${user.sub}: answered with app ids ${[...ids]}`);
        // The same event delivered several times: recorded once, recognised after that.
        const deliveries = mine.filter((result) => result.kind === 'webhook');
        const firsts = deliveries.filter((result) => result.exchange.code !== 'duplicate').length;
        if (firsts !== 1) problems.push(`${user.sub}: ${firsts} deliveries were not duplicates`);
      }
      for (const problem of problems) tally.unexpected(problem);
      expect(problems).toEqual([]);

      const rows = await database.sql<{ zitadel_user_id: string; email: string | null }[]>`
        select zitadel_user_id, email from users
        where claim_id is not null and zitadel_user_id in ${database.sql(users.map((user) => user.sub))}`;
      const [totals] = await database.sql<
        { users: number; distinct_users: number; events: number }[]
      >`
        select count(*)::int as users, count(distinct zitadel_user_id)::int as distinct_users,
               (select count(*)::int from identity_events) as events
        from users`;
      const expectedSoFar = USERS_PER_WAVE * wave;
      const present = new Map(rows.map((row) => [row.zitadel_user_id, row]));
      const lost = users.filter((user) => present.get(user.sub)?.email !== user.email).length;
      tally.counts.rowsLost += lost;
      tally.counts.rowsExtra += Math.max(0, (totals?.users ?? 0) - expectedSoFar);
      expect(lost, 'users without a complete, claimed row').toBe(0);
      expect(totals).toEqual({
        users: expectedSoFar,
        distinct_users: expectedSoFar,
        events: expectedSoFar,
      });
    });
  }

  it('no replica crashed or logged an error', () => {
    for (const replica of replicas) {
      expect(replica.isAlive()).toBe(true);
      expect(replica.errorLines()).toEqual([]);
    }
  });
});
