import type { ServerResponse } from 'node:http';
import type { DatabaseHandle } from '../db/open-database';
import type { Route } from './route-table';

const PING_TIMEOUT_MS = 2000;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** `/healthz` (the process answers), `/readyz` (the database answers) and `/sync/health`. */
export function healthRoutes(deps: {
  database: Pick<DatabaseHandle, 'ping'>;
  /** The reconciler's health; undefined while the reconciler is off. */
  syncHealth?: () => { status: string } | undefined;
}): Route[] {
  return [
    { method: 'GET', path: '/healthz', handle: (_req, res) => json(res, 200, { status: 'alive' }) },
    {
      method: 'GET',
      path: '/readyz',
      handle: async (_req, res) => {
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS).unref(),
        );
        try {
          await Promise.race([deps.database.ping(), timeout]);
          json(res, 200, { status: 'ready' });
        } catch {
          json(res, 503, { status: 'database unreachable' });
        }
      },
    },
    {
      method: 'GET',
      path: '/sync/health',
      // Apart from /readyz on purpose: a stalled sync must be seen, but GetOrCreate still works.
      handle: (_req, res) => {
        const report = deps.syncHealth?.() ?? { status: 'off' };
        const failing = report.status === 'failing' || report.status === 'lagging';
        json(res, failing ? 503 : 200, report);
      },
    },
  ];
}
