import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config';
import { parseEnv, quoteForShell, renderBackendEnv } from '../src/runtime-config';

test('the defaults fit docker-compose.yml', () => {
  const config = loadConfig({});
  assert.equal(config.zitadelApiUrl, 'http://localhost:8080');
  assert.equal(config.oidcIssuer, 'http://localhost:8080');
  assert.deepEqual(config.redirectUris, ['http://localhost:5173/callback']);
  assert.deepEqual(config.postLogoutRedirectUris, ['http://localhost:5173/']);
  assert.equal(config.apiBaseUrl, 'http://localhost:3001');
  assert.equal(config.webhookUrl, 'http://127.0.0.1:3001/webhooks/zitadel');
  assert.deepEqual(config.executionEventGroups, ['user.human']);
  assert.equal(config.patFile, '/zitadel-bootstrap/admin.pat');
  assert.equal(config.frontendConfigFile, '/config/public/config.json');
  assert.equal(config.backendEnvFile, '/config/secrets/backend.env');
  assert.equal(config.backendEnvOwner, undefined);
  assert.equal(config.waitTimeoutMs, 300_000);
});

test('URLs lose their trailing slash, lists are comma-separated, empty means unset', () => {
  const config = loadConfig({
    ZITADEL_API_URL: 'http://localhost:8080/',
    OIDC_ISSUER: '',
    EXECUTION_EVENTS: 'user.removed, user.locked,',
    BACKEND_ENV_OWNER: '1000:1000',
    ENSURE_LEGAL_LINKS: 'false',
  });
  assert.equal(config.zitadelApiUrl, 'http://localhost:8080');
  assert.equal(config.oidcIssuer, 'http://localhost:8080');
  assert.deepEqual(config.executionEvents, ['user.removed', 'user.locked']);
  assert.deepEqual(config.backendEnvOwner, { uid: 1000, gid: 1000 });
  assert.equal(config.ensureLegalLinks, false);
});

test('env values survive shell quoting, quotes included', () => {
  const tricky = `it's $HOME and "quotes" \\ back`;
  assert.equal(quoteForShell('plain'), `'plain'`);
  assert.deepEqual(parseEnv(`A=${quoteForShell(tricky)}\nB=${quoteForShell('')}\n# comment\n`), {
    A: tricky,
    B: '',
  });
  const rendered = renderBackendEnv({
    issuer: 'http://localhost:8080',
    projectId: '1',
    clientId: '2',
    introspection: { clientId: '4', clientSecret: "s'e" },
    zitadelApiUrl: 'http://localhost:8080',
    reconciler: { userId: '5', pat: "p'a't" },
    targetId: '3',
    signingKey: 'k',
  });
  assert.equal(parseEnv(rendered).ZITADEL_PAT, "p'a't");
  assert.equal(parseEnv(rendered).OIDC_INTROSPECTION_CLIENT_SECRET, "s'e");
});
