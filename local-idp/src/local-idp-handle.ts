import type {
  ListEventsRequestJson,
  ListEventsResponseJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type { ActionTargetName } from './action-targets';
import type { EventListener, LoggedEvent } from './event-log';
import type { PublicSigningJwk } from './signing-keys';
import type { NewUserInput, UserPatch } from './user-accounts';
import type { BurstOptions, BurstResult } from './user-burst';
import type { User } from './user-store';

// The handle startLocalIdp returns: what tests, npm start and the benchmarks drive it through.

export interface LocalIdpUsers {
  list(): User[];
  get(id: string): User | undefined;
  findByEmail(email: string): User | undefined;
  create(input: NewUserInput): Promise<User>;
  update(id: string, patch: UserPatch): Promise<User>;
  deactivate(id: string): User;
  reactivate(id: string): User;
  lock(id: string): User;
  unlock(id: string): User;
  remove(id: string): User;
  /** DEV-ONLY: a burst of users in one transaction, or paced at `perSecond` (see BurstOptions). */
  createBurst(options: BurstOptions): Promise<BurstResult>;
}

export interface LocalIdpEvents {
  /** Every event, oldest first. */
  all(): readonly LoggedEvent[];
  /** Same semantics and response shape as `POST /admin/v1/events/_search`. */
  search(request?: ListEventsRequestJson): ListEventsResponseJson;
  onAppend(listener: EventListener): () => void;
}

export interface LocalIdpWebhooks {
  readonly targets: readonly string[];
  readonly signingKey: string;
  setTargets(targets: string[]): void;
  /** Resolves when every delivery started so far has finished or been dropped. */
  idle(): Promise<void>;
}

export interface LocalIdp {
  issuer: string;
  /** Where the server actually listens, e.g. `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  clientId: string;
  projectId: string;
  orgId: string;
  instanceId: string;
  dataDir: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  /** The Event API PAT (dev-only secret). */
  adminPat: string;
  /** HMAC keys of the Actions v2 restCall targets, one per target (dev-only secrets). */
  actionsSigningKeys: Readonly<Record<ActionTargetName, string>>;
  users: LocalIdpUsers;
  events: LocalIdpEvents;
  webhooks: LocalIdpWebhooks;
  /** The published JWKS (all keys, current first). */
  jwks(): { keys: PublicSigningJwk[] };
  readonly currentKid: string;
  /** Adds a new current signing key; older keys stay published. Returns the new kid. */
  rotateKeys(): Promise<string>;
  close(): Promise<void>;
}
