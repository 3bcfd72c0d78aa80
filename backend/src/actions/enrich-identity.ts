import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  handleWhen,
  type IBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import { APP_USER_ID_CLAIM } from '../auth/app-user-id-claim';
import type { DatabaseHandle } from '../db/open-database';
import { provisionFromToken, UserBlockedError } from '../provisioning/provision-from-token';
import type { FunctionCall } from './parse-action-bodies';

/**
 * ZITADEL's answer format (`internal/api/oidc/userinfo.go`, ContextInfoResponse): claims to
 * append, metadata to set, and lines for the action-log claim.
 */
export interface ContextInfoResponse {
  append_claims?: { key: string; value: unknown }[];
  append_log_claims?: string[];
}

export type EnrichOutcome =
  /** The row was there (and refreshed if ZITADEL's profile had changed). */
  | 'found'
  /** Answered from memory: the same profile was seen for this user moments ago. */
  | 'remembered'
  /** The row was created here, before any token reached the app. */
  | 'provisioned'
  /** Not ours to enrich: another application's token, a machine user, a blocked user. */
  | 'skipped';

export class EnricherUnavailableError extends Error {
  override name = 'EnricherUnavailableError';
}

// ZITADEL waits for this answer while it issues a token. A database that does not answer within
// the budget gets a fast failure instead; ZITADEL then issues the token without the claim
// (docs/decisions/021). Once the database is known to be down (a refused or lost connection, or
// several calls in a row that ran out of budget while none succeeded) it is left alone for a
// moment, then probed by one call at a time, so a dead database costs a token request nothing but
// this check. A slow call, or a busy database that still answers some, is not "down".
const DEADLINE_MS = 250;
const BACK_OFF_MS = 2000;
const TIMEOUTS_BEFORE_BACK_OFF = 3;

// A person's tokens are issued again and again (every refresh, every userinfo call) with the same
// profile. The row's id never changes for a ZITADEL user, so the answer for an unchanged profile
// is remembered for a while: no database work at all, and it survives a database outage.
const REMEMBER_MS = 60_000;
const REMEMBER_ENTRIES = 50_000;

export interface EnricherDeps {
  database: Pick<DatabaseHandle, 'db' | 'query'>;
  /** Empty: every client. */
  clientIds: readonly string[];
  isUnavailable: (error: unknown) => boolean;
  deadlineMs?: number;
  backOffMs?: number;
}

/**
 * When cockatiel's breaker opens: at once on a refused or lost connection (or a failed probe,
 * which cockatiel handles itself); on calls out of budget only when several ran out in a row and
 * none succeeded for twice the budget. A busy database still finishes calls now and then; a hung
 * one finishes none.
 */
function databaseDownRule(deadlineMs: number, lastError: () => unknown): IBreaker {
  let timeoutsInARow = 0;
  let lastSuccessAt = 0;
  return {
    state: undefined,
    success() {
      timeoutsInARow = 0;
      lastSuccessAt = Date.now();
    },
    failure() {
      timeoutsInARow++;
      if (!(lastError() instanceof TaskCancelledError)) return true;
      return (
        timeoutsInARow >= TIMEOUTS_BEFORE_BACK_OFF && Date.now() - lastSuccessAt > 2 * deadlineMs
      );
    },
  };
}

/**
 * Runs database work within the deadline (cockatiel's timeout) behind a breaker (cockatiel's
 * circuit breaker): open for `backOffMs` once the database is found down, then half open for one
 * probe until a call succeeds, so a dead database keeps costing one call per back-off, not every
 * call that arrives meanwhile. Any answer, an error included, shows the database answers.
 */
function guardDatabaseCalls(deps: EnricherDeps) {
  const deadlineMs = deps.deadlineMs ?? DEADLINE_MS;
  const isDown = (error: Error) => error instanceof TaskCancelledError || deps.isUnavailable(error);
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen(isDown), {
    halfOpenAfter: deps.backOffMs ?? BACK_OFF_MS,
    breaker: databaseDownRule(deadlineMs, () => {
      const failure = breaker.lastFailure;
      return failure && 'error' in failure ? failure.error : undefined;
    }),
  });
  // Nothing listens to the timeout's signal (the query cannot be cancelled); aborting it on every
  // return builds an AbortError each call: ~130 µs against ~35 µs without (load 16, same run).
  const deadline = timeout(deadlineMs, {
    strategy: TimeoutStrategy.Aggressive,
    abortOnReturn: false,
  });
  const guarded = wrap(breaker, deadline);
  return async <T>(work: () => Promise<T>): Promise<T> => {
    // cockatiel queues calls behind the probe; here they fail fast, as while the breaker is open.
    if (breaker.state === CircuitState.HalfOpen) throw backingOff();
    try {
      const settled = await guarded.execute(() =>
        work().then(
          (value) => ({ value }),
          (error: unknown) => {
            if (deps.isUnavailable(error)) throw error;
            return { error };
          },
        ),
      );
      if ('error' in settled) throw settled.error;
      return settled.value;
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw backingOff();
      if (error instanceof TaskCancelledError) {
        throw new EnricherUnavailableError(`database did not answer in ${deadlineMs} ms`);
      }
      if (deps.isUnavailable(error)) {
        throw new EnricherUnavailableError('database unavailable', { cause: error });
      }
      throw error;
    }
  };
}

const backingOff = () => new EnricherUnavailableError('database unavailable (backing off)');

export function createIdentityEnricher(deps: EnricherDeps) {
  const clients = new Set(deps.clientIds);
  const guard = guardDatabaseCalls(deps);
  // Least recently used goes first: a person signing in often stays however many others pass.
  const remembered = new LRUCache<string, { profile: string; id: string; until: number }>({
    max: REMEMBER_ENTRIES,
  });
  const answer = (id: string): ContextInfoResponse => ({
    append_claims: [{ key: APP_USER_ID_CLAIM, value: id }],
  });

  return async (
    call: FunctionCall,
  ): Promise<{ outcome: EnrichOutcome; response: ContextInfoResponse }> => {
    const person = call.person;
    if (!person || (clients.size > 0 && (!call.clientId || !clients.has(call.clientId)))) {
      return { outcome: 'skipped', response: {} };
    }
    const profile = JSON.stringify(person);
    const memory = remembered.get(call.zitadelUserId);
    if (memory && memory.profile === profile && memory.until > Date.now()) {
      return { outcome: 'remembered', response: answer(memory.id) };
    }
    try {
      // The one provisioning module, without a claim: the person's first GetOrCreate still owns
      // the "your account is ready" moment. Its statement reads first: an unchanged profile is a
      // read, a changed one is refreshed, so the row is as fresh as the token being issued.
      const result = await guard(() =>
        // The body's sequence, so a replayed older body (its signature stays valid for 300 s)
        // can never move a field back (docs/decisions/029).
        provisionFromToken(
          deps.database,
          { zitadelUserId: call.zitadelUserId, ...person },
          { claim: false, sequence: call.sequence },
        ),
      );
      remembered.set(call.zitadelUserId, {
        profile,
        id: result.user.id,
        until: Date.now() + REMEMBER_MS,
      });
      return {
        outcome: result.inserted ? 'provisioned' : 'found',
        response: answer(result.user.id),
      };
    } catch (error) {
      if (!(error instanceof UserBlockedError)) throw error;
      remembered.delete(call.zitadelUserId);
      return { outcome: 'skipped', response: {} };
    }
  };
}

export type IdentityEnricher = ReturnType<typeof createIdentityEnricher>;
