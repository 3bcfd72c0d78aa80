export { findFreePort } from '../../../backend/test/support/free-port';
