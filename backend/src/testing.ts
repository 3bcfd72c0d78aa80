// `@liverty-music/backend/testing`: the stand-ins the backend's own tests run against (issuer,
// local IdP process, signed webhook bodies), for the workspaces that drive a real backend from
// outside (faults/, bench/). Not part of the product: nothing in src/ imports it. Helpers that
// need nothing of the backend (free ports, the Event API fake) live in @liverty-music/test-support.
export {
  type BurstAnswer,
  type LocalIdpProcess,
  startLocalIdpProcess,
} from '../test/support/local-idp-process';
export {
  INTROSPECTION_CLIENT,
  OTHER_CLIENT_ID,
  startTestIssuer,
  TEST_CLIENT_ID,
  type TestIssuer,
  type TestUserinfo,
} from '../test/support/test-issuer';
export { addedPayload, newUserId, sign, webhookBody } from '../test/support/zitadel-events';
