// `@liverty-music/backend`: the parts of the product that other workspaces run as they are —
// the benchmark's peers share the backend's token authentication, database and row mapping, and
// the fault suite draws event types from the ones the backend handles.
export { createTokenAuthentication } from './auth/create-token-authentication';
export { HTTP_LIMIT_DEFAULTS } from './config';
export { type DatabaseHandle, openDatabase } from './db/open-database';
export * as schema from './db/schema';
export { type UserRow, users } from './db/schema';
export { listenHttp1AndH2c } from './http/listen-http1-and-h2c';
export { createLogger, type Logger } from './logger';
export type { Identity } from './provisioning/identity';
export { HANDLED_EVENT_TYPES } from './provisioning/identity-event';
export { provisionFromToken } from './provisioning/provision-from-token';
export { runSweep } from './sweep/run-sweep';
export { toProtoUser } from './user/to-proto-user';
export { createZitadelClient } from './zitadel-api/zitadel-client';
