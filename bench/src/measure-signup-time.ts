import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@liverty-music/test-support/free-port';
import { createThrowawayDatabase } from '@liverty-music/test-support/throwaway-database';
import { chromium } from 'playwright-core';
import {
  median,
  type SignupTiming,
  type SignupTimingSummary,
  summarizeSignupTimings,
} from '../../scripts/signup-timing';
import { startStack } from '../../scripts/stack';
import type { BenchConfig } from './bench-config';
import { progress } from './progress-log';

import {
  type CacheState,
  CHROMIUM_ARGS,
  type SignupSample,
  signUpInBrowser,
} from './sign-up-in-browser';

export type { CacheState, SignupSample };

export interface SignupResults {
  samples: SignupSample[];
  /** The warm signups (the figure reported before cold ones were measured). */
  summary: SignupTimingSummary;
  /** The cold signups, measured alternately with the warm ones in the same run. */
  cold: { summary: SignupTimingSummary; networkFloor: number };
  /** The machine's 1-minute load average at each signup: the figures mean little without it. */
  load: Record<CacheState, number[]>;
  /** Same-run baselines for the app's share (median ms). */
  baselines: {
    /** The home page's first contentful paint: what loading one page of this app costs here. */
    homeFirstRender: number;
    /** Token request + GetOrCreate request, per signup: the network and servers alone. */
    networkFloor: number;
  };
}

/**
 * Item 1, fourth figure (issue 24 item 4: warm and cold side by side): real signups in Chromium against the production build (vite preview),
 * the local identity provider and the backend on Postgres, each in a fresh browser context like a
 * first-time visitor. Server-side provisioning is off, so the callback alone creates the user.
 */
export async function measureSignupTime(config: BenchConfig): Promise<SignupResults> {
  const database = await createThrowawayDatabase('bench_browser', {
    serverUrl: config.adminDatabaseUrl,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
  try {
    progress(
      'browser: building the frontend and starting the stack (identity provider, backend, vite preview)',
    );
    const stack = await startStack({
      dataDir,
      idpPort: await freePort(),
      apiPort: await freePort(),
      webPort: await freePort(),
      databaseUrl: database.url,
      web: 'preview',
      webhook: false,
      reconciler: false,
      logLevel: 'warn',
    });
    const browser = await chromium.launch({
      executablePath: config.chromiumPath,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    const samples: SignupSample[] = [];
    const load: Record<CacheState, number[]> = { warm: [], cold: [] };
    try {
      // One unmeasured signup first: the backend discovers the issuer and loads its keys once.
      // Then warm and cold alternate, so a busy moment on the machine hits both alike.
      for (let i = 0; i <= 2 * config.signups; i++) {
        const cache: CacheState = i % 2 === 0 ? 'warm' : 'cold';
        const sample = await signUpInBrowser(browser, stack, cache, String(i));
        if (i > 0) {
          samples.push(sample);
          load[cache].push(loadavg()[0] ?? Number.NaN);
        }
      }
    } finally {
      await browser.close();
      await stack.stop();
    }
    const floorOf = (timings: SignupTiming[]) =>
      median(
        timings.map(
          (timing) =>
            timing.token.end -
            timing.token.start +
            (timing.getOrCreate.end - timing.getOrCreate.start),
        ),
      );
    const warm = samples.filter((sample) => sample.cache === 'warm');
    const coldTimings = samples.filter((s) => s.cache === 'cold').map((s) => s.timing);
    const summary = summarizeSignupTimings(warm.map((sample) => sample.timing));
    const cold = {
      summary: summarizeSignupTimings(coldTimings),
      networkFloor: floorOf(coldTimings),
    };
    const baselines = {
      homeFirstRender: median(samples.map((sample) => sample.homeFirstRender)),
      networkFloor: floorOf(warm.map((sample) => sample.timing)),
    };
    const range = (x: SignupTimingSummary) =>
      `${x.appShare.median.toFixed(0)} ms (${x.appShare.min.toFixed(0)}–${x.appShare.max.toFixed(0)})`;
    progress(
      `  the app's share (callback first byte → ready), median over ${warm.length} + ${coldTimings.length} signups: warm ${range(summary)}, cold ${range(cold.summary)}; token + GetOrCreate ${baselines.networkFloor.toFixed(0)} ms warm, ${cold.networkFloor.toFixed(0)} ms cold; identity provider ${summary.identityProvider.median.toFixed(0)} ms; home first render ${baselines.homeFirstRender.toFixed(0)} ms; load average ${median([...load.warm, ...load.cold]).toFixed(1)}`,
    );
    return { samples, summary, cold, load, baselines };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}
