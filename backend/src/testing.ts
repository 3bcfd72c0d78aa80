// `@liverty-music/backend/testing`: the stand-ins the backend's own tests run against (issuer,
// Event API, local IdP process, signed webhook bodies), for the workspaces that drive a real
// backend from outside (faults/, bench/). Not part of the product: nothing in src/ imports it.
export { findFreePort } from '../test/support/free-port';
export {
  type BurstAnswer,
  type LocalIdpProcess,
  startLocalIdpProcess,
} from '../test/support/local-idp-process';
export { type StoredEvent, startTestEventApi } from '../test/support/test-event-api';
export {
  INTROSPECTION_CLIENT,
  OTHER_CLIENT_ID,
  startTestIssuer,
  TEST_CLIENT_ID,
  type TestIssuer,
  type TestUserinfo,
} from '../test/support/test-issuer';
export { addedPayload, newUserId, sign, webhookBody } from '../test/support/zitadel-events';
