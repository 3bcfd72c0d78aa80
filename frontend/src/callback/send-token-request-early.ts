// callback-main.tsx imports this module first, so it runs once the callback's first scripts are
// linked and before oidc-client-ts is evaluated or config.json read (decision 041).
import { sendEarlyTokenRequest } from '../auth/early-token-request';

sendEarlyTokenRequest();
