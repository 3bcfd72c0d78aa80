// The browser signup figure of `npm run bench`: its target row, its "what limits it" line and its
// section. write-reports.ts only places them.
import { formatSignupBreakdown, median } from '../../../scripts/signup-timing';
import type { SignupResults } from '../measure-signup-time';

/** Issues 14 and 24: the app's share of a signup, median over the signups, cold cache included. */
export const SIGNUP_APP_SHARE_TARGET_MS = 100;

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '—');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');

export function signupTargetRow(s: SignupResults) {
  const share = s.summary.appShare;
  const cold = s.cold.summary.appShare;
  return {
    target: `signup, the app's share (callback first byte → "Your account is ready") ≤ ${SIGNUP_APP_SHARE_TARGET_MS} ms, median, warm and cold cache`,
    measured: `warm ${ms(share.median)} ms (${ms(share.min)}–${ms(share.max)}), cold ${ms(cold.median)} ms (${ms(cold.min)}–${ms(cold.max)}) over ${s.summary.signups} + ${s.cold.summary.signups} signups; ${times(share.median / s.baselines.networkFloor)} and ${times(cold.median / s.cold.networkFloor)} token + GetOrCreate; identity provider ${ms(s.summary.identityProvider.median)} ms`,
    ok: share.median <= SIGNUP_APP_SHARE_TARGET_MS && cold.median <= SIGNUP_APP_SHARE_TARGET_MS,
  };
}

const loadRange = (load: number[]) =>
  load.length === 0
    ? '—'
    : `${median(load).toFixed(1)} (${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)})`;

/** Warm and cold side by side, each against the network floor measured on the same signups. */
export function formatWarmAndCold(s: SignupResults): string {
  const warm = s.summary.appShare;
  const cold = s.cold.summary.appShare;
  const files = (x: SignupResults['summary']) => x.parts.find((p) => p.name === 'scripts');
  return [
    '| median over the signups (min–max) | warm cache | cold cache |',
    '| --- | --- | --- |',
    `| **app's share: callback first byte → "Your account is ready"** | **${ms(warm.median)}** (${ms(warm.min)}–${ms(warm.max)}) | **${ms(cold.median)}** (${ms(cold.min)}–${ms(cold.max)}) |`,
    `| floor: token request + GetOrCreate request | ${ms(s.baselines.networkFloor)} | ${ms(s.cold.networkFloor)} |`,
    `| app's share ÷ floor | ${times(warm.median / s.baselines.networkFloor)} | ${times(cold.median / s.cold.networkFloor)} |`,
    `| the app's files: last byte | ${ms(files(s.summary)?.end.median ?? Number.NaN)} | ${ms(files(s.cold.summary)?.end.median ?? Number.NaN)} |`,
    `| target | ≤ ${SIGNUP_APP_SHARE_TARGET_MS} | ≤ ${SIGNUP_APP_SHARE_TARGET_MS} |`,
    `| load average (1 min) at the signups, median (min–max) | ${loadRange(s.load.warm)} | ${loadRange(s.load.cold)} |`,
  ].join('\n');
}

/** One line for "What limits them": the part of the app's share that is not network. */
export function signupLimits(s: SignupResults): string {
  const part = (name: string) => s.summary.parts.find((p) => p.name === name);
  const token = part('token');
  const getOrCreate = part('GetOrCreate');
  const render = part('render');
  const discovery = part('discovery');
  const waiting = (token?.start.median ?? Number.NaN) - 0;
  const between = (getOrCreate?.start.median ?? Number.NaN) - (token?.end.median ?? Number.NaN);
  return `- **Signup, the app's share** (median ${ms(s.summary.appShare.median)} ms): ${ms(waiting)} ms pass from the callback document's first byte to the token request (document, scripts${discovery && discovery.present > 0 ? ', the discovery document' : ''} and script work), the token request takes ${ms((token?.end.median ?? 0) - (token?.start.median ?? 0))} ms, ${ms(between)} ms pass before GetOrCreate starts, GetOrCreate takes ${ms((getOrCreate?.end.median ?? 0) - (getOrCreate?.start.median ?? 0))} ms and rendering "ready" ${ms((render?.end.median ?? 0) - (render?.start.median ?? 0))} ms. Token and GetOrCreate alone take ${ms(s.baselines.networkFloor)} ms: the rest is the browser's and the app's.`;
}

export function signupSection(s: SignupResults): string {
  return [
    formatWarmAndCold(s),
    "Warm cache: the landing page prefetched the callback's files while the person filled in the provider's form. Cold cache: the browser cache is emptied (CDP `Network.clearBrowserCache`) just before the form is submitted, so the callback fetches and compiles everything, as for a first-time visitor whose landing page never finished prefetching. Warm and cold signups alternate in one run.",
    '**Warm cache**, where the time goes:',
    formatSignupBreakdown(s.summary),
    '**Cold cache**, where the time goes:',
    formatSignupBreakdown(s.cold.summary),
    `Same-run baselines: token request + GetOrCreate request (the network and the servers alone) ${ms(s.baselines.networkFloor)} ms → the app's share is **${times(s.summary.appShare.median / s.baselines.networkFloor)}** of it; the home page's first contentful paint ${ms(s.baselines.homeFirstRender)} ms → **${times(s.summary.appShare.median / s.baselines.homeFirstRender)}**.`,
    `Each signup runs in a fresh Chromium context against \`vite preview\` of the production build, the local identity provider and the backend on Postgres, with webhook and reconciler off: the home page, "Sign up", the provider's registration form, then /callback. Times come from the callback page's own Performance timeline (scripts/signup-timing.ts, shared with the end-to-end timing journey), counted from the callback document's \`responseStart\`; the identity provider's part runs from the form's submit (the navigation's start) to that first byte. One unmeasured signup first warms the backend's issuer discovery.`,
  ].join('\n\n');
}
