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
 * Whether to try the database: closed (yes), open for `backOffMs` after it was found down (no),
 * then one probe at a time until a call succeeds, so a dead database keeps costing one call per
 * back-off the budget, not every call that arrives meanwhile.
 */
function createDatabaseBreaker(backOffMs: number, deadlineMs: number) {
  let openUntil = 0;
  let probing = false;
  let timeoutsInARow = 0;
  // A busy database still finishes calls now and then; a hung one finishes none.
  let lastSuccessAt = 0;
  return {
    /** Undefined: do not try. Otherwise whether this call is the probe. */
    admit(): { probe: boolean } | undefined {
      if (openUntil === 0) return { probe: false };
      if (Date.now() < openUntil || probing) return undefined;
      probing = true;
      return { probe: true };
    },
    succeeded(ticket: { probe: boolean }) {
      timeoutsInARow = 0;
      lastSuccessAt = Date.now();
      openUntil = 0;
      if (ticket.probe) probing = false;
    },
    failed(ticket: { probe: boolean }, kind: 'timeout' | 'unavailable') {
      if (ticket.probe) probing = false;
      const stalled =
        ++timeoutsInARow >= TIMEOUTS_BEFORE_BACK_OFF && Date.now() - lastSuccessAt > 2 * deadlineMs;
      if (kind === 'unavailable' || ticket.probe || stalled) openUntil = Date.now() + backOffMs;
    },
  };
}

export function createIdentityEnricher(deps: EnricherDeps) {
  const clients = new Set(deps.clientIds);
  const deadlineMs = deps.deadlineMs ?? DEADLINE_MS;
  const breaker = createDatabaseBreaker(deps.backOffMs ?? BACK_OFF_MS, deadlineMs);
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
    const ticket = breaker.admit();
    if (!ticket) throw new EnricherUnavailableError('database unavailable (backing off)');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EnricherUnavailableError(`database did not answer in ${deadlineMs} ms`)),
        deadlineMs,
      );
    });
    try {
      // The one provisioning module, without a claim: the person's first GetOrCreate still owns
      // the "your account is ready" moment. Its statement reads first: an unchanged profile is a
      // read, a changed one is refreshed, so the row is as fresh as the token being issued.
      const result = await Promise.race([
        // The body's sequence, so a replayed older body (its signature stays valid for 300 s)
        // can never move a field back (docs/decisions/029).
        provisionFromToken(
          deps.database,
          { zitadelUserId: call.zitadelUserId, ...person },
          { claim: false, sequence: call.sequence },
        ),
        deadline,
      ]);
      breaker.succeeded(ticket);
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
      if (error instanceof UserBlockedError) {
        remembered.delete(call.zitadelUserId);
        breaker.succeeded(ticket);
        return { outcome: 'skipped', response: {} };
      }
      if (error instanceof EnricherUnavailableError) {
        breaker.failed(ticket, 'timeout');
        throw error;
      }
      if (deps.isUnavailable(error)) {
        breaker.failed(ticket, 'unavailable');
        throw new EnricherUnavailableError('database unavailable', { cause: error });
      }
      breaker.succeeded(ticket);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

export type IdentityEnricher = ReturnType<typeof createIdentityEnricher>;
