import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './data-files';
import type { EventEditor, EventLog } from './event-log';
import { generateId } from './id-generator';
import { UserAccountError } from './user-account-input';
import type { UserStore } from './user-store';

export interface Organisation {
  id: string;
  name: string;
  state: 'active' | 'removed';
}

interface OrgsFile {
  orgs: Organisation[];
}

const FILE_NAME = 'orgs.json';

/**
 * Organisations besides the default one (ORG_ID), as ZITADEL keeps them: each an `org` aggregate
 * in the event log. Removing one writes `org.removed` on the organisation and NO event per user
 * (ZITADEL: internal/command/org.go RemoveOrg; internal/repository/org/org.go), while its user
 * projection stops showing the organisation's users (internal/query/projection/user.go
 * reduceOwnerRemoved), so ListUsers no longer lists them and they can no longer sign in. Here
 * that is the users' state in the store becoming `removed`, with no user event written.
 * See shared/zitadel.md ("Removing an organisation…").
 */
export interface Organisations {
  list(): Organisation[];
  /** An active organisation's id, or a not_found error (users can only be added to one). */
  requireActive(id: string): string;
  create(name: string, editor: EventEditor): Organisation;
  /**
   * Removes an organisation: one `org.removed` event, and its users gone from ListUsers and
   * sign-in. ZITADEL refuses to remove the instance's default organisation
   * (Errors.Org.DefaultOrgNotDeletable). Returns the ids of the users it took away.
   */
  remove(id: string, editor: EventEditor): { org: Organisation; removedUserIds: string[] };
}

export function createOrganisations(
  dataDir: string,
  deps: { events: EventLog; users: UserStore; defaultOrgId: string },
): Organisations {
  const { events, users, defaultOrgId } = deps;
  const path = join(dataDir, FILE_NAME);
  const orgs = new Map<string, Organisation>();
  for (const org of readJsonIfExists<OrgsFile>(path)?.orgs ?? []) orgs.set(org.id, org);
  const save = () => writeJsonAtomic(path, { orgs: [...orgs.values()] } satisfies OrgsFile);

  return {
    list: () => [...orgs.values()].map((org) => ({ ...org })),
    requireActive(id) {
      if (orgs.get(id)?.state !== 'active')
        throw new UserAccountError('not_found', 'Organisation not found', 'orgId');
      return id;
    },
    create(name, editor) {
      if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
        throw new UserAccountError('invalid_argument', 'name must be 1..200 characters', 'name');
      let id = generateId();
      while (orgs.has(id) || id === defaultOrgId) id = generateId();
      const org: Organisation = { id, name: name.trim(), state: 'active' };
      events.appendCommand([
        {
          aggregateId: id,
          aggregateType: 'org',
          resourceOwner: id,
          type: 'org.added',
          payload: { name: org.name },
          editor,
        },
      ]);
      orgs.set(id, org);
      save();
      return { ...org };
    },
    remove(id, editor) {
      if (id === defaultOrgId)
        throw new UserAccountError(
          'failed_precondition',
          'The default organisation cannot be removed',
        );
      const org = orgs.get(id);
      if (!org || org.state === 'removed')
        throw new UserAccountError('not_found', 'Organisation not found');
      events.appendCommand([
        {
          aggregateId: id,
          aggregateType: 'org',
          resourceOwner: id,
          type: 'org.removed',
          payload: { name: org.name },
          editor,
        },
      ]);
      const members = users.all().filter((user) => user.orgId === id && user.state !== 'removed');
      users.saveMany(members.map((user) => ({ ...user, state: 'removed' as const })));
      org.state = 'removed';
      save();
      return { org: { ...org }, removedUserIds: members.map((user) => user.id) };
    },
  };
}
