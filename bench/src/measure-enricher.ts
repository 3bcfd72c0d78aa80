import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import type { Dispatcher } from 'undici';
import type { BenchConfig } from './bench-config';
import { BENCH_CLIENT_ID, existingSub, newSub } from './bench-identity';
import { addHumanUserBody, functionBody, getMeRequest, KEY, signed } from './enricher-requests';
import { getOrCreateRequest } from './get-or-create-request';
import { waitForQuietMachine } from './measure-cpu';
import { progress } from './progress-log';
import type { LoadResult } from './run-closed-loop';
import { runOpenLoop } from './run-open-loop';
import { startBackend } from './start-backend';
import type { BenchIssuer } from './start-bench-issuer';
import { startSwitchableProxy } from './switchable-proxy';

// The issue's load point: ZITADEL issuing 200 tokens a second, each waiting for the enricher.
const RATE = 200;
// GetOrCreate and GetMe are compared below their saturation point on a 2-core machine, where
// latency shows what a call costs rather than how long the queue is.
export const RPC_RATE = 50;
export const TARGET_P99_MS = 20;
const CLAIM = 'urn:liverty-music:user_id';
// Never-seen users for the enricher start here, clear of the other sections' ranges.
const NEW_OFFSET = 80_000_000;

export interface EnricherPoint {
  label: string;
  rate: number;
  /** Which run of this point (points are measured twice, interleaved: the machine is shared). */
  run: number;
  result: LoadResult;
}

export interface EnricherResults {
  rate: number;
  seconds: number;
  users: number;
  points: EnricherPoint[];
  /** Userinfo calls the backend made during the GetOrCreate runs, without and with the claim. */
  userinfoCalls: { without: number; with: number };
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

export async function measureEnricher(
  config: BenchConfig,
  issuer: BenchIssuer,
): Promise<EnricherResults> {
  // p99 of 200 calls/s needs a few thousand samples to mean something.
  const seconds = Math.max(10, config.seconds * 2);
  const users = Math.min(config.existingUsers, 2000);
  const database = await createThrowawayDatabase('bench_enricher', {
    serverUrl: config.adminDatabaseUrl,
  });
  const direct = new URL(database.url);
  const proxy = await startSwitchableProxy({
    host: direct.hostname,
    port: Number(direct.port || 5432),
  });
  const viaProxy = new URL(database.url);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const backend = await startBackend({
    name: 'backend (actions)',
    databaseUrl: viaProxy.toString(),
    issuer: issuer.issuer,
    env: {
      ZITADEL_ACTIONS_PREACCESSTOKEN_SIGNING_KEYS: KEY,
      ZITADEL_ACTIONS_ADD_HUMAN_USER_SIGNING_KEYS: KEY,
      ZITADEL_ACTIONS_CLIENT_IDS: BENCH_CLIENT_ID,
    },
  });
  const points: EnricherPoint[] = [];
  const userinfoCalls = { without: 0, with: 0 };
  const post = (request: Dispatcher.RequestOptions, headers: Record<string, string> = {}) =>
    fetch(`${backend.origin}${request.path}`, {
      method: 'POST',
      headers: { ...(request.headers as Record<string, string>), ...headers },
      body: request.body as string,
    });
  const userinfoCount = async () => {
    const text = await (await fetch(`${issuer.issuer}/stats`).catch(() => undefined))?.text();
    return Number(/"userinfo":(\d+)/.exec(text ?? '')?.[1] ?? Number.NaN);
  };

  try {
    progress(`enricher: provisioning ${users} users through the enricher, then claiming them`);
    const appIds = new Map<string, string>();
    const subs = Array.from({ length: users }, (_, n) => existingSub(n));
    await inParallel(subs, 8, async (sub) => {
      // A busy machine can make a first insert miss the 250 ms budget: ask again, as the next
      // token issuance would.
      for (let attempt = 1; ; attempt++) {
        const response = await post(signed('preaccesstoken', functionBody(sub)));
        const answer = (await response.json()) as { append_claims?: { value: string }[] };
        const id = answer.append_claims?.[0]?.value;
        if (response.status === 200 && id) {
          appIds.set(sub, id);
          return;
        }
        if (response.status !== 503 || attempt >= 20)
          throw new Error(`enricher answered ${response.status}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    await inParallel(subs, 8, async (sub) => {
      const token = issuer.sign(sub, { [CLAIM]: appIds.get(sub) });
      const response = await post(getOrCreateRequest(token));
      if (response.status !== 200) throw new Error(`GetOrCreate answered ${response.status}`);
      await response.arrayBuffer();
    });

    // A second set, provisioned by GetOrCreate: rows the enricher has never answered for, so its
    // first call for each is a database read and its second is answered from memory.
    const others = Array.from({ length: users }, (_, n) => existingSub(users + n));
    await inParallel(others, 8, async (sub) => {
      const response = await post(getOrCreateRequest(issuer.sign(sub)));
      if (response.status !== 200) throw new Error(`GetOrCreate answered ${response.status}`);
      await response.arrayBuffer();
    });

    let cursor = 0;
    const existing = () => existingSub(cursor++ % users);
    const cycle = (list: string[]) => {
      let index = 0;
      return () => list[index++ % list.length];
    };
    let fresh = NEW_OFFSET;
    const measure = async (
      label: string,
      run: number,
      nextItem: () => string | undefined,
      request: (item: string) => Dispatcher.RequestOptions,
      accept?: (status: number) => boolean,
      rate = RATE,
    ) => {
      await waitForQuietMachine(config.quietWaitSeconds);
      const result = await runOpenLoop({
        origin: backend.origin,
        rate,
        seconds,
        connections: 64,
        nextToken: nextItem,
        request,
        ...(accept ? { accept } : {}),
      });
      points.push({ label, rate, run, result });
      progress(
        `  ${label.padEnd(52)} p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  max ${result.max.toFixed(1)} ms${result.errors ? `  ${result.errors} errors: ${result.errorSamples[0]}` : ''}`,
      );
    };
    // Tokens as a login or refresh brings them: new each call, so nothing is cached by token.
    const tokens = (withClaim: boolean) => {
      const list = Array.from({ length: RPC_RATE * seconds }, () => {
        const sub = existing();
        return issuer.sign(sub, withClaim ? { [CLAIM]: appIds.get(sub) } : {});
      });
      let index = 0;
      return () => list[index++];
    };

    progress(`enricher: open loop at ${RATE} calls/s, ${seconds} s per point, each point twice`);
    for (const run of [1, 2]) {
      let n = 0;
      await measure(
        'baseline: signup policy (signed, no database)',
        run,
        () => String(n++),
        (item) => signed('add-human-user', addHumanUserBody(Number(item))),
      );
      // Run 2 comes more than a minute later: the memory has forgotten them again.
      await measure(
        'enricher, existing users, first call (database read)',
        run,
        cycle(others),
        (sub) => signed('preaccesstoken', functionBody(sub)),
      );
      await measure('enricher, existing users, again (remembered)', run, cycle(others), (sub) =>
        signed('preaccesstoken', functionBody(sub)),
      );
      await measure(
        'enricher, new users (provisioned on the way)',
        run,
        () => newSub(fresh++),
        (sub) => signed('preaccesstoken', functionBody(sub)),
      );
      for (const [what, request] of [
        ['GetOrCreate', getOrCreateRequest],
        ['GetMe', getMeRequest],
      ] as const) {
        for (const withClaim of [false, true]) {
          const before = await userinfoCount();
          await measure(
            `${what}, new token, ${withClaim ? 'with' : 'without'} the claim`,
            run,
            tokens(withClaim),
            request,
            undefined,
            RPC_RATE,
          );
          if (what === 'GetOrCreate' && run === 1) {
            userinfoCalls[withClaim ? 'with' : 'without'] = (await userinfoCount()) - before;
          }
        }
      }
    }

    const down = (status: number) => status === 503;
    progress('enricher: Postgres stops answering (connections hang)');
    await proxy.set('black-hole');
    await measure(
      'enricher, database hangs (all 503)',
      1,
      () => newSub(fresh++),
      (sub) => signed('preaccesstoken', functionBody(sub)),
      down,
    );
    progress('enricher: Postgres refuses connections');
    await proxy.set('refuse');
    await measure(
      'enricher, database refuses connections (all 503)',
      1,
      () => newSub(fresh++),
      (sub) => signed('preaccesstoken', functionBody(sub)),
      down,
    );
    return { rate: RATE, seconds, users, points, userinfoCalls };
  } finally {
    await backend.service.stop();
    proxy.close();
    await database.drop();
  }
}
