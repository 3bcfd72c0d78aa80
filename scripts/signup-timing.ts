/// <reference lib="dom" />
// Where one signup's time goes, read from the /callback page's own Performance timeline. `npm run
// bench` and the end-to-end timing journey both use it, so they print the same breakdown and a
// regression shows in the part that moved.

/** Milliseconds after the callback document's first byte (its navigation entry's responseStart). */
export interface Span {
  start: number;
  end: number;
}

export interface SignupTiming {
  /**
   * The identity provider's part: the registration form's submit (the start of the navigation
   * that ends on /callback, its redirects included) → the callback document's first byte.
   */
  identityProvider: number;
  /** The app's share: the callback document's first byte → performance.mark('account-ready'). */
  appShare: number;
  /** The callback HTML itself. */
  document: Span;
  /** The app's JavaScript and CSS files, first request to last byte. */
  scripts: Span & { files: number };
  /** /config.json; null when the document carried the configuration inline. */
  config: Span | null;
  /** The issuer's discovery document; null when the app already had the metadata. */
  discovery: Span | null;
  /** The authorization code → token request. */
  token: Span;
  /** The GetOrCreate call (first request → last answer, retries included). */
  getOrCreate: Span;
  /** GetOrCreate's answer → "Your account is ready" on screen. */
  render: Span;
  /** App files first requested after the token request started: something the path waited for late. */
  lateFiles: number;
  /** Main-thread long tasks (> 50 ms) before "ready", summed: needs LONG_TASK_RECORDER. */
  longTasks: number;
}

/**
 * Records long tasks from the start of every page; add it with `context.addInitScript`. Plain
 * text, not a function: tsx wraps named helpers in a `__name` call that does not exist in a page.
 */
export const LONG_TASK_RECORDER = `
  window.__signupLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__signupLongTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: 'longtask', buffered: true });
`;

/**
 * True on the callback page once "Your account is ready" is on screen. Measurements poll it
 * rather than wait with a locator: Playwright injects its selector engine into a document on
 * first use, which costs the callback page ~15 ms of main thread on the very path measured.
 */
export const ACCOUNT_READY = "performance.getEntriesByName('account-ready').length > 0";

/**
 * Runs in the page (`page.evaluate(readSignupTiming, origins)`) once "Your account is ready" shows.
 * No named helpers inside: tsx would wrap them in a `__name` call that does not exist in a page.
 */
export function readSignupTiming(origins: { app: string; issuer: string }): SignupTiming {
  const navigation = performance.getEntriesByType('navigation')[0] as
    | PerformanceNavigationTiming
    | undefined;
  const ready = performance.getEntriesByName('account-ready')[0]?.startTime;
  if (!navigation || ready === undefined) {
    throw new Error('not on a /callback page that reached "account ready"');
  }
  const zero = navigation.responseStart;
  const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
  // Per part: first request, last byte, and how many requests (in page time, not yet shifted).
  const raw: Record<string, { start: number; end: number; count: number }> = {};
  for (const entry of resources) {
    const url = new URL(entry.name);
    let part: string | undefined;
    if (url.origin === origins.app && /\.(js|css)$/.test(url.pathname)) part = 'scripts';
    else if (url.origin === origins.app && url.pathname === '/config.json') part = 'config';
    else if (url.pathname.endsWith('/.well-known/openid-configuration')) part = 'discovery';
    else if (url.origin === origins.issuer && /\/token$/.test(url.pathname)) part = 'token';
    else if (/UserService\/GetOrCreate$/.test(url.pathname)) part = 'getOrCreate';
    if (part === undefined) continue;
    const span = raw[part] ?? { start: Number.POSITIVE_INFINITY, end: 0, count: 0 };
    span.start = Math.min(span.start, entry.startTime);
    span.end = Math.max(span.end, entry.responseEnd);
    span.count += 1;
    raw[part] = span;
  }
  if (!raw.token || !raw.getOrCreate)
    throw new Error('no token or GetOrCreate request on this page');
  let lateFiles = 0;
  for (const entry of resources) {
    const url = new URL(entry.name);
    const isFile = url.origin === origins.app && /\.(js|css)$/.test(url.pathname);
    if (isFile && entry.startTime > raw.token.start) lateFiles += 1;
  }
  const spans: Record<string, Span | null> = {};
  for (const part of ['scripts', 'config', 'discovery', 'token', 'getOrCreate']) {
    const span = raw[part];
    spans[part] = span
      ? {
          start: Math.round((span.start - zero) * 10) / 10,
          end: Math.round((span.end - zero) * 10) / 10,
        }
      : null;
  }
  let longTasks = 0;
  const recorded = (window as unknown as { __signupLongTasks?: [number, number][] })
    .__signupLongTasks;
  for (const [start, duration] of recorded ?? []) if (start < ready) longTasks += duration;
  const readyAt = Math.round((ready - zero) * 10) / 10;
  const getOrCreate = spans.getOrCreate as Span;
  return {
    identityProvider: Math.round(zero * 10) / 10,
    appShare: readyAt,
    document: { start: 0, end: Math.round((navigation.responseEnd - zero) * 10) / 10 },
    scripts: { ...(spans.scripts ?? { start: 0, end: 0 }), files: raw.scripts?.count ?? 0 },
    config: spans.config ?? null,
    discovery: spans.discovery ?? null,
    token: spans.token as Span,
    getOrCreate,
    render: { start: getOrCreate.end, end: readyAt },
    lateFiles,
    longTasks: Math.round(longTasks),
  };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface SignupTimingSummary {
  signups: number;
  identityProvider: Spread;
  appShare: Spread;
  /** Each part's start and end, the median over the signups (ms after the first byte). */
  parts: { name: string; start: Spread; end: Spread; present: number }[];
  lateFiles: Spread;
  longTasks: Spread;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(middle)] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

function spread(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const PARTS = [
  ['document', (t: SignupTiming) => t.document],
  ['scripts', (t: SignupTiming) => t.scripts],
  ['config.json', (t: SignupTiming) => t.config],
  ['discovery', (t: SignupTiming) => t.discovery],
  ['token', (t: SignupTiming) => t.token],
  ['GetOrCreate', (t: SignupTiming) => t.getOrCreate],
  ['render', (t: SignupTiming) => t.render],
] as const;

export function summarizeSignupTimings(samples: SignupTiming[]): SignupTimingSummary {
  return {
    signups: samples.length,
    identityProvider: spread(samples.map((t) => t.identityProvider)),
    appShare: spread(samples.map((t) => t.appShare)),
    parts: PARTS.map(([name, pick]) => {
      const spans = samples.map(pick).filter((span): span is Span => span !== null);
      return {
        name,
        start: spread(spans.map((span) => span.start)),
        end: spread(spans.map((span) => span.end)),
        present: spans.length,
      };
    }),
    lateFiles: spread(samples.map((t) => t.lateFiles)),
    longTasks: spread(samples.map((t) => t.longTasks)),
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '—');
const range = (s: Spread) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;

/** A Markdown table: readable in a terminal and in docs/benchmarks.md. */
export function formatSignupBreakdown(summary: SignupTimingSummary): string {
  const rows = [
    "| part (ms after the callback document's first byte) | starts: median (min–max) | ends: median (min–max) |",
    '| --- | --- | --- |',
    ...summary.parts.map((part) =>
      part.present === 0
        ? `| ${part.name} | not requested | |`
        : `| ${part.name}${part.present < summary.signups ? ` (in ${part.present} of ${summary.signups})` : ''} | ${range(part.start)} | ${range(part.end)} |`,
    ),
    `| **app's share: first byte → "Your account is ready"** | | **${range(summary.appShare)}** |`,
    `| identity provider: submit → callback's first byte | | ${range(summary.identityProvider)} |`,
  ];
  return [
    ...rows,
    '',
    `Over ${summary.signups} signups. App files requested after the token request started: ${range(summary.lateFiles)}; main-thread long tasks before "ready": ${range(summary.longTasks)} ms.`,
  ].join('\n');
}
