/** The project audience every bench token carries, as ZITADEL's project id would be. */
export const BENCH_AUDIENCE = '336500000000000100';
export const BENCH_CLIENT_ID = 'bench-spa';

// 18-digit ZITADEL-style user ids in three disjoint ranges, so no workload ever sees another's.
const EXISTING_BASE = 336_500_000_000_000_000n;
const NEW_BASE = 400_000_000_000_000_000n;
export const PGBENCH_NEW_BASE = 500_000_000_000_000_000n;

/** The n-th pre-provisioned user (n from 0). */
export function existingSub(n: number): string {
  return String(EXISTING_BASE + BigInt(n + 1));
}

export const EXISTING_SUB_BASE = EXISTING_BASE + 1n;

/** The n-th never-seen user (n from 0). */
export function newSub(n: number): string {
  return String(NEW_BASE + BigInt(n));
}

export interface BenchProfile {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
  given_name: string;
  family_name: string;
}

/**
 * What the bench issuer's userinfo answers for a subject. Deterministic, so the issuer needs no
 * per-token state and the pgbench script can build the very same values in SQL.
 */
export function profileFor(sub: string): BenchProfile {
  return {
    sub,
    email: `user${sub}@bench.example`,
    email_verified: true,
    name: `Bench ${sub}`,
    given_name: 'Bench',
    family_name: sub,
  };
}
