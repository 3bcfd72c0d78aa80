import { describe, expect, it } from 'vitest';
import { describeSyncFailure } from '../src/reconciler/describe-sync-failure';
import { ZitadelApiError } from '../src/zitadel-api/zitadel-client';

// GET /sync/health is on the public port: it reports `lastError.category` only. That the served
// body holds no raw text is tested end to end in sync-faults.test.ts ("the reconciler logs,
// counts and reports a failing poll").

describe('what /sync/health may say on the public port', () => {
  it('maps each kind of failure to a category (tried: unreachable host, timeout, 401, 400, 502, malformed page, refused database, SQL syntax error)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), {
      code: 'ECONNREFUSED',
    });
    const sqlBug = Object.assign(
      new Error('syntax error at or near "selec" in select * from users where id = $1'),
      { code: '42601' },
    );
    const cases = [
      [
        new ZitadelApiError(
          'https://zitadel.internal:8080/x unreachable: fetch failed',
          'unreachable',
          true,
        ),
        'zitadel_unreachable',
      ],
      [
        new ZitadelApiError('/x did not answer within 15000 ms', 'timeout', true),
        'zitadel_timeout',
      ],
      [
        new ZitadelApiError('/x answered HTTP 401', 'http', false, 401),
        'zitadel_refused_credentials',
      ],
      [new ZitadelApiError('/x answered HTTP 400', 'http', false, 400), 'zitadel_refused'],
      [new ZitadelApiError('/x answered HTTP 502', 'http', true, 502), 'zitadel_unavailable'],
      [new ZitadelApiError('page is malformed', 'malformed', true), 'zitadel_malformed_answer'],
      [new Error('wrapped', { cause: refused }), 'database_unavailable'],
      [sqlBug, 'internal_error'],
    ] as const;
    for (const [error, category] of cases) {
      const failure = describeSyncFailure(error);
      expect(failure.category).toBe(category);
      // The raw text stays available to the log line, and only there.
      expect(failure.message).toBe(error.message);
    }
  });
});
