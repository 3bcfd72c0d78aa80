import type { GetOrCreateProfile, ProfiledRun } from '../profile-get-or-create';
import { rate, table } from './format';

const perCall = (run: ProfiledRun, category: string) =>
  (run.shares.find((entry) => entry.category === category)?.micros ?? 0) /
  Math.max(1, run.result.requests);

const micros = (value: number) => value.toFixed(1);

/** Where the backend's main thread goes per call, beside the no-op handler's under the same load. */
export function profileSection(p: GetOrCreateProfile): string[] {
  const { noop } = p;
  const categories = p.shares
    .filter((entry) => entry.share >= 0.01)
    .map((entry) => entry.category)
    .concat(
      (noop?.shares ?? [])
        .filter((entry) => entry.share >= 0.01)
        .map((entry) => entry.category)
        .filter(
          (category) =>
            !p.shares.some((entry) => entry.category === category && entry.share >= 0.01),
        ),
    );
  const total = (run: ProfiledRun) =>
    run.shares.reduce((sum, entry) => sum + entry.micros, 0) / Math.max(1, run.result.requests);
  const rows = categories.map((category) => {
    const share = p.shares.find((entry) => entry.category === category)?.share ?? 0;
    const ours = perCall(p, category);
    return noop
      ? [
          category,
          `${(share * 100).toFixed(0)}%`,
          micros(ours),
          micros(perCall(noop, category)),
          micros(ours - perCall(noop, category)),
        ]
      : [category, `${(share * 100).toFixed(0)}%`, micros(ours)];
  });
  rows.push(
    noop
      ? [
          '**main thread, all**',
          '100%',
          micros(total(p)),
          micros(total(noop)),
          micros(total(p) - total(noop)),
        ]
      : ['**main thread, all**', '100%', micros(total(p))],
  );
  return [
    `### Where the backend's main thread goes (CPU profile, existing users, c=${p.concurrency}, ${rate(p.result.throughput)} req/s while profiled${noop ? `; the no-op handler ${rate(noop.result.throughput)} req/s under the same load` : ''})`,
    table(
      noop
        ? [
            'category (self time)',
            'backend share',
            'backend µs per call',
            'no-op µs per call',
            'backend − no-op',
          ]
        : ['category (self time)', 'share', 'µs per call'],
      rows,
    ),
    'Per call = main-thread time in the load window ÷ calls answered. The difference column is what the backend adds on top of the same HTTP front (listenHttp1AndH2c) + Connect stack. Samples are wall-clock: on a busy machine a main thread preempted inside a syscall (socket writes above all) is counted there, so the categories of our own code compare better than the totals. WebCrypto signature checks run on libuv worker threads and are not in the main-thread profile; they are in the process CPU above.',
  ];
}
