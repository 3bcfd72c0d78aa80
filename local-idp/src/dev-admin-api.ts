import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DevAdminGuard, devAdminRefusal } from './dev-admin-guard';
import { DEV_ADMIN_EDITOR } from './fixed-identities';
import { HttpError, readJsonObject, sendJson } from './http-io';
import type { Organisations } from './organisations';
import { UserAccountError } from './user-account-input';
import type { UserAccounts, UserPatch } from './user-accounts';

/**
 * DEV-ONLY user administration (`/__dev/…`), reachable only from loopback, by this server's own
 * host names, with JSON bodies (see dev-admin-guard.ts), for seeding and manipulating users in tests. Not part of ZITADEL's API: ZITADEL's equivalents are the user
 * service's v2 endpoints, which need an authenticated admin.
 */
export const DEV_ADMIN_PREFIX = '/__dev';

export interface DevAdminDeps {
  guard: DevAdminGuard;
  users: UserAccounts;
  orgs: Organisations;
  rotateKeys: () => Promise<string>;
}

const STATUS_BY_CODE = {
  invalid_argument: 400,
  already_exists: 409,
  not_found: 404,
  failed_precondition: 409,
} as const;

const DEV_HEADERS = { 'X-Local-Idp': 'dev-only' };

const NEW_USER_FIELDS = new Set([
  'email',
  'password',
  'givenName',
  'familyName',
  'emailVerified',
  'orgId',
]);
const NEW_ORG_FIELDS = new Set(['name']);
const PATCH_FIELDS = new Set(['email', 'password', 'givenName', 'familyName', 'emailVerified']);
const BURST_FIELDS = new Set(['count', 'perSecond', 'emailVerified', 'emailPrefix', 'lateByMs']);
/**
 * `POST /__dev/users/_burst {count, perSecond?, emailVerified?, emailPrefix?, lateByMs?}`: `count`
 * users in one transaction (one creation date, like a bulk import; `lateByMs` dates it that long
 * ago, a transaction committing late), or one signup command each at `perSecond`.
 * Answers when the last one is written. Not ZITADEL's API: it exists to produce dense histories.
 */
const BURST_PATH_PART = '_burst';

function rejectUnknownFields(body: Record<string, unknown>, allowed: Set<string>): void {
  const unknown = Object.keys(body).filter((key) => !allowed.has(key));
  if (unknown.length > 0)
    throw new UserAccountError('invalid_argument', `unknown field(s): ${unknown.join(', ')}`);
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new UserAccountError('invalid_argument', `${key} must be a string`, key);
  return value;
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean')
    throw new UserAccountError('invalid_argument', `${key} must be a boolean`, key);
  return value;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, DEV_HEADERS);
}

export async function handleDevAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: DevAdminDeps,
): Promise<void> {
  // In front of every /__dev route.
  const refusal = devAdminRefusal(req, deps.guard);
  if (refusal) {
    send(res, refusal.status, { error: refusal.error, message: refusal.message });
    return;
  }
  const parts = pathname
    .slice(DEV_ADMIN_PREFIX.length)
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const method = req.method ?? 'GET';
  try {
    if (parts.length === 0 && method === 'GET') {
      send(res, 200, {
        devOnly: true,
        endpoints: [
          '/__dev/users',
          '/__dev/users/_burst',
          '/__dev/users/:id',
          '/__dev/orgs',
          '/__dev/orgs/:id',
          '/__dev/keys/rotate',
        ],
      });
      return;
    }
    if (parts[0] === 'keys' && parts[1] === 'rotate' && parts.length === 2 && method === 'POST') {
      send(res, 200, { kid: await deps.rotateKeys() });
      return;
    }
    if (parts[0] === 'orgs' && parts.length <= 2) {
      const orgId = parts[1];
      if (orgId === undefined && method === 'GET')
        return send(res, 200, { orgs: deps.orgs.list() });
      if (orgId === undefined && method === 'POST') {
        const body = await readJsonObject(req);
        rejectUnknownFields(body, NEW_ORG_FIELDS);
        return send(
          res,
          201,
          deps.orgs.create(optionalString(body, 'name') ?? '', DEV_ADMIN_EDITOR),
        );
      }
      // ZITADEL's RemoveOrganization: `org.removed`, no event per user; its users are gone.
      if (orgId !== undefined && method === 'DELETE')
        return send(res, 200, deps.orgs.remove(orgId, DEV_ADMIN_EDITOR));
    }
    if (parts[0] !== 'users') {
      send(res, 404, { error: 'not_found', message: 'Unknown dev admin endpoint' });
      return;
    }
    const [, id, action] = parts;
    if (id === BURST_PATH_PART && action === undefined && method === 'POST') {
      const body = await readJsonObject(req);
      rejectUnknownFields(body, BURST_FIELDS);
      const count = body.count;
      const perSecond = body.perSecond;
      const lateByMs = body.lateByMs;
      if (lateByMs !== undefined && typeof lateByMs !== 'number')
        throw new UserAccountError('invalid_argument', 'lateByMs must be a number', 'lateByMs');
      if (typeof count !== 'number')
        throw new UserAccountError('invalid_argument', 'count must be a number', 'count');
      if (perSecond !== undefined && typeof perSecond !== 'number')
        throw new UserAccountError('invalid_argument', 'perSecond must be a number', 'perSecond');
      const emailVerified = optionalBoolean(body, 'emailVerified');
      const emailPrefix = optionalString(body, 'emailPrefix');
      return send(
        res,
        201,
        await deps.users.createBurst({
          count,
          ...(perSecond === undefined ? {} : { perSecond }),
          ...(emailVerified === undefined ? {} : { emailVerified }),
          ...(emailPrefix === undefined ? {} : { emailPrefix }),
          ...(lateByMs === undefined ? {} : { lateByMs }),
        }),
      );
    }
    if (id === undefined) {
      if (method === 'GET') return send(res, 200, { users: deps.users.list() });
      if (method === 'POST') {
        const body = await readJsonObject(req);
        rejectUnknownFields(body, NEW_USER_FIELDS);
        const orgId = optionalString(body, 'orgId');
        const user = await deps.users.create(
          {
            email: optionalString(body, 'email') ?? '',
            password: optionalString(body, 'password') ?? '',
            givenName: optionalString(body, 'givenName') ?? '',
            familyName: optionalString(body, 'familyName') ?? '',
            emailVerified: optionalBoolean(body, 'emailVerified') ?? false,
          },
          DEV_ADMIN_EDITOR,
          orgId === undefined ? {} : { orgId: deps.orgs.requireActive(orgId) },
        );
        return send(res, 201, user);
      }
    } else if (action === undefined) {
      if (method === 'GET') {
        const user = deps.users.get(id);
        return user
          ? send(res, 200, user)
          : send(res, 404, { error: 'not_found', message: 'User not found' });
      }
      if (method === 'PATCH') {
        const body = await readJsonObject(req);
        rejectUnknownFields(body, PATCH_FIELDS);
        const patch: UserPatch = {};
        for (const key of ['email', 'password', 'givenName', 'familyName'] as const) {
          const value = optionalString(body, key);
          if (value !== undefined) patch[key] = value;
        }
        const emailVerified = optionalBoolean(body, 'emailVerified');
        if (emailVerified !== undefined) patch.emailVerified = emailVerified;
        return send(res, 200, await deps.users.update(id, patch));
      }
      if (method === 'DELETE') return send(res, 200, deps.users.remove(id));
    } else if (method === 'POST' && parts.length === 3) {
      switch (action) {
        case 'deactivate':
          return send(res, 200, deps.users.deactivate(id));
        case 'reactivate':
          return send(res, 200, deps.users.reactivate(id));
        case 'lock':
          return send(res, 200, deps.users.lock(id));
        case 'unlock':
          return send(res, 200, deps.users.unlock(id));
      }
    }
    send(res, 404, {
      error: 'not_found',
      message: `No dev admin endpoint for ${method} ${pathname}`,
    });
  } catch (error) {
    if (error instanceof UserAccountError) {
      send(res, STATUS_BY_CODE[error.code], {
        error: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
      });
      return;
    }
    if (error instanceof HttpError) {
      send(res, error.status, { error: 'invalid_argument', message: error.message });
      return;
    }
    throw error;
  }
}
