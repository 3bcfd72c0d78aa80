import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram } from 'prom-client';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { DatabaseHandle } from '../db/open-database';
import { BodyTooLargeError, readLimitedBody } from '../http/read-limited-body';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { verifySignature } from '../webhooks/verify-signature';
import { createIdentityEnricher, EnricherUnavailableError } from './enrich-identity';
import {
  InvalidActionBodyError,
  parseFunctionCall,
  parseHumanCreationCall,
} from './parse-action-bodies';
import type { SignupPolicy } from './signup-policy';

export const ACTIONS_PATH_PREFIX = '/actions/zitadel/';

export const UNJUDGEABLE_MESSAGE =
  'This request cannot be checked by the sign-up policy, so no user was created. Send the users inline, through a method the policy knows.';

export const ACTION_TARGETS = ['preaccesstoken', 'preuserinfo', 'add-human-user'] as const;
export type ActionTarget = (typeof ACTION_TARGETS)[number];
const ROUTES = new Map<string, ActionTarget>(
  ACTION_TARGETS.map((target) => [`${ACTIONS_PATH_PREFIX}${target}`, target]),
);

// A function context carries the user's grants and metadata; a few KiB in practice.
export const MAX_ACTION_BYTES = 256 * 1024;

export interface ActionsDeps {
  database: Pick<DatabaseHandle, 'db' | 'query'>;
  /**
   * Each target's own signing keys (several during a rotation). ZITADEL gives every target its
   * own key and its signature does not cover the path, so a key verifies only its own target's
   * calls (docs/decisions/029). A target without keys answers 404.
   */
  signingKeys: Readonly<Record<ActionTarget, readonly string[]>>;
  /** Enrich tokens of these clients only; empty: all. */
  clientIds: readonly string[];
  policy: SignupPolicy;
  /** The enricher's budget for the database, default 250 ms (tests of correctness raise it). */
  deadlineMs?: number;
  logger: Logger;
  metrics: Metrics;
}

function actionMetrics(metrics: Metrics) {
  const registry = metrics.registry;
  const existing = (name: string) => registry.getSingleMetric(name);
  return {
    calls: (existing('liverty_action_calls_total') ??
      new Counter({
        name: 'liverty_action_calls_total',
        help: 'Actions v2 target calls answered, by target and outcome.',
        labelNames: ['target', 'outcome'] as const,
        registers: [registry],
      })) as Counter<'target' | 'outcome'>,
    seconds: (existing('liverty_action_duration_seconds') ??
      new Histogram({
        name: 'liverty_action_duration_seconds',
        help: 'Time to answer an Actions v2 target call (ZITADEL waits for it), by target.',
        labelNames: ['target'] as const,
        buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [registry],
      })) as Histogram<'target'>,
  };
}

/**
 * `POST /actions/zitadel/{preaccesstoken,preuserinfo,add-human-user}`: ZITADEL Actions v2 restCall
 * targets, signed like the webhook (`ZITADEL-Signature`, checked on the raw bytes first).
 * - the two functions answer `append_claims` with the app user's id, provisioning the user on the
 *   way when the row is missing (docs/decisions/020, 021);
 * - the request executions on every method that creates a human (human-creating-methods.ts)
 *   refuse reserved usernames, blocked domains and what they cannot read with a forwarded 400 and
 *   otherwise answer an empty body, which leaves the request as it is (docs/decisions/022, 030).
 *   Its body holds the person's password: nothing here logs, stores or echoes a body.
 */
export function createActionsHandler(deps: ActionsDeps) {
  const enrich = createIdentityEnricher({
    database: deps.database,
    clientIds: deps.clientIds,
    isUnavailable: isDatabaseUnavailable,
    ...(deps.deadlineMs === undefined ? {} : { deadlineMs: deps.deadlineMs }),
  });
  const metrics = actionMetrics(deps.metrics);
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function answer(
    target: ActionTarget,
    rawBody: Buffer,
    res: ServerResponse,
  ): Promise<string> {
    if (target === 'add-human-user') {
      const call = parseHumanCreationCall(rawBody);
      if ('unjudgeable' in call.people) {
        // Fails closed, like a refusal: ZITADEL creates nobody it could not be asked about.
        deps.logger.warn(
          { target, fullMethod: call.fullMethod, problem: call.people.unjudgeable },
          'signup policy cannot judge this call',
        );
        json(res, 200, { forwardedStatusCode: 400, forwardedErrorMessage: UNJUDGEABLE_MESSAGE });
        return 'unjudgeable';
      }
      for (const person of call.people.people) {
        const decision = deps.policy(person);
        if (!decision.allowed) {
          json(res, 200, { forwardedStatusCode: 400, forwardedErrorMessage: decision.message });
          return decision.reason;
        }
      }
      // Empty: ZITADEL keeps the request. An echoed body would replace it whole (protojson).
      res.writeHead(200, { 'content-length': '0' }).end();
      return 'allowed';
    }
    const { outcome, response } = await enrich(parseFunctionCall(rawBody));
    if (outcome === 'provisioned') deps.metrics.usersProvisioned.inc({ source: 'enricher' });
    json(res, 200, response);
    return outcome;
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = ROUTES.get((req.url ?? '').split('?')[0] ?? '');
    if (!target || deps.signingKeys[target].length === 0) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const started = performance.now();
    const done = (outcome: string) => {
      metrics.calls.inc({ target, outcome });
      metrics.seconds.observe({ target }, (performance.now() - started) / 1000);
    };
    const refuse = (status: number, reason: string, message: string) => {
      done(reason);
      deps.logger.warn({ target, reason }, 'action call refused');
      json(res, status, { error: reason, message });
    };

    let rawBody: Buffer;
    try {
      rawBody = await readLimitedBody(req, MAX_ACTION_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return refuse(413, 'too_large', error.message);
      }
      return refuse(400, 'unreadable', 'request body could not be read');
    }
    const header = req.headers['zitadel-signature'];
    const check = verifySignature(
      Array.isArray(header) ? header.join(',') : header,
      rawBody,
      deps.signingKeys[target],
    );
    if (!check.ok) return refuse(401, `signature_${check.reason}`, `signature ${check.reason}`);

    try {
      const outcome = await answer(target, rawBody, res);
      done(outcome);
      if (outcome !== 'found' && outcome !== 'remembered' && outcome !== 'allowed') {
        deps.logger.info({ target, outcome }, 'action call');
      }
    } catch (error) {
      if (error instanceof InvalidActionBodyError)
        return refuse(400, 'invalid_body', error.message);
      if (error instanceof EnricherUnavailableError) {
        // Fails fast; ZITADEL issues the token without the claim (interruptOnError: false).
        return refuse(503, 'unavailable', 'database unavailable');
      }
      done('error');
      deps.logger.error({ err: error, target }, 'action call failed');
      if (!res.headersSent) json(res, 500, { error: 'internal' });
    }
  };
}
