import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import {
  available,
  compose,
  env,
  ipv4InCidr,
  mountsOf,
  portsOf,
  service,
  skip,
  volumeHolding,
} from './support/compose-model';
import { BUILT_IMAGES, readRepoFile, root } from './support/repository';

// docker-compose.yml is validated by Debian's docker-compose (`config` needs no Docker engine),
// then its resolved form is checked for the wiring that only fails at run time: ports shared in
// one network namespace, files handed from one service to another, the denylist that must let
// ZITADEL reach the webhook, start-up order and health checks.

test('docker-compose.yml is a valid compose file', { skip }, () => {
  assert.ok(available, 'CI must install docker-compose (apt-get install -y docker-compose)');
  const result = spawnSync('docker-compose', ['config', '--quiet'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
});

test('every image is pinned, and the built ones come from this repository', { skip }, () => {
  for (const [name, definition] of Object.entries(compose().services)) {
    if (definition.build) continue;
    const tag = /:([^/:@]+)$/.exec(String(definition.image))?.[1] ?? '';
    assert.match(tag, /\d+\.\d+/, `${name}: ${definition.image} is not pinned to a version`);
    assert.doesNotMatch(tag, /latest/, `${name}: ${definition.image}`);
  }
  const built = Object.entries(compose().services).flatMap(([name, { build }]) =>
    build
      ? [
          {
            service: name,
            context: relative(root, build.context) || '.',
            dockerfile: join(relative(root, build.context), build.dockerfile ?? 'Dockerfile'),
          },
        ]
      : [],
  );
  assert.deepEqual(
    built.sort((a, b) => a.service.localeCompare(b.service)),
    [...BUILT_IMAGES].sort((a, b) => a.service.localeCompare(b.service)),
  );
  // The login container must match ZITADEL's version.
  const version = (image: string | undefined) => String(image).split(':').pop();
  assert.equal(version(service('login').image), version(service('zitadel').image));
  assert.match(String(service('zitadel').image), /^ghcr\.io\/zitadel\/zitadel:v4\./);
});

test('services start in order, each once what it needs is healthy or done', { skip }, () => {
  const order: Record<string, Record<string, string>> = {};
  for (const [name, definition] of Object.entries(compose().services)) {
    order[name] = Object.fromEntries(
      Object.entries(definition.depends_on ?? {}).map(([dependency, how]) => [
        dependency,
        how.condition,
      ]),
    );
  }
  assert.deepEqual(order, {
    db: {},
    zitadel: { db: 'service_healthy' },
    login: { zitadel: 'service_healthy' },
    setup: { zitadel: 'service_healthy' },
    backend: {
      db: 'service_healthy',
      zitadel: 'service_healthy',
      setup: 'service_completed_successfully',
    },
    frontend: { setup: 'service_completed_successfully' },
  });
});

test('every long-running service has a health check', { skip }, () => {
  // login: its image brings a HEALTHCHECK; setup: a one-shot that exits.
  const exceptions = new Set(['login', 'setup']);
  for (const [name, definition] of Object.entries(compose().services)) {
    if (exceptions.has(name)) continue;
    assert.ok(definition.healthcheck?.test, `${name} has no health check`);
    assert.notEqual(definition.restart, 'no', `${name} should restart`);
  }
  assert.equal(service('setup').restart, 'no');
});

test('one network namespace: ports published on zitadel, none taken twice', { skip }, () => {
  for (const name of ['login', 'setup', 'backend']) {
    assert.equal(service(name).network_mode, 'service:zitadel', name);
    assert.deepEqual(
      service(name).ports ?? [],
      [],
      `${name} shares zitadel's namespace: publish on zitadel`,
    );
  }
  const zitadelPorts = portsOf(service('zitadel'));
  const frontendPorts = portsOf(service('frontend'));
  for (const port of [...zitadelPorts, ...frontendPorts]) {
    assert.equal(port.hostIp, '127.0.0.1', 'dev-only secrets: publish on loopback only');
  }
  const published = new Set(zitadelPorts.map((port) => port.published));

  // Who listens where inside the shared namespace: ZITADEL 8080, the login 3000, the backend PORT.
  const backendPort = Number(env('backend', 'PORT'));
  assert.deepEqual(new Set([8080, 3000, backendPort]).size, 3, 'two servers on one port');
  for (const port of [8080, 3000, backendPort])
    assert.ok(published.has(port), `publish ${port} on zitadel`);

  // The URLs handed to the browser point at those ports.
  const issuer = `http://${env('zitadel', 'ZITADEL_EXTERNALDOMAIN')}:${env('zitadel', 'ZITADEL_EXTERNALPORT')}`;
  assert.equal(env('zitadel', 'ZITADEL_EXTERNALSECURE'), 'false');
  assert.equal(env('setup', 'OIDC_ISSUER'), issuer);
  assert.equal(env('setup', 'ZITADEL_API_URL'), issuer, 'same URL inside the namespace as outside');
  assert.equal(env('login', 'ZITADEL_API_URL'), issuer);
  assert.equal(new URL(env('setup', 'API_BASE_URL')).port, String(backendPort));
  const loginBase = new URL(env('zitadel', 'ZITADEL_DEFAULTINSTANCE_FEATURES_LOGINV2_BASEURI'));
  assert.equal(loginBase.port, '3000');
  assert.equal(loginBase.pathname, env('login', 'NEXT_PUBLIC_BASE_PATH'));
  assert.ok(env('zitadel', 'ZITADEL_OIDC_DEFAULTLOGINURLV2').startsWith(loginBase.href));
  assert.ok(env('zitadel', 'ZITADEL_OIDC_DEFAULTLOGOUTURLV2').startsWith(loginBase.href));

  const appOrigin = new URL(env('setup', 'APP_ORIGIN'));
  assert.ok(
    frontendPorts.some((port) => String(port.published) === appOrigin.port && port.target === 8080),
    `the frontend must be published on ${appOrigin.origin} (nginx listens on 8080)`,
  );
  assert.equal(env('backend', 'CORS_ORIGINS'), appOrigin.origin);
  assert.equal(env('backend', 'HOST'), '0.0.0.0');
});

test('files handed between services meet on the same volume and path', { skip }, () => {
  // ZITADEL writes the PATs, the login container and the setup step read them.
  const adminPat = env('zitadel', 'ZITADEL_FIRSTINSTANCE_PATPATH');
  const loginPat = env('zitadel', 'ZITADEL_FIRSTINSTANCE_LOGINCLIENTPATPATH');
  assert.equal(env('setup', 'ZITADEL_PAT_FILE'), adminPat);
  assert.equal(env('login', 'ZITADEL_SERVICE_USER_TOKEN_FILE'), loginPat);
  assert.equal(volumeHolding('setup', adminPat), volumeHolding('zitadel', adminPat));
  assert.equal(volumeHolding('login', loginPat), volumeHolding('zitadel', loginPat));
  // Without an expiration date ZITADEL writes no PAT file at all.
  assert.match(env('zitadel', 'ZITADEL_FIRSTINSTANCE_ORG_MACHINE_PAT_EXPIRATIONDATE'), /^\d{4}-/);
  assert.match(
    env('zitadel', 'ZITADEL_FIRSTINSTANCE_ORG_LOGINCLIENT_PAT_EXPIRATIONDATE'),
    /^\d{4}-/,
  );

  // The setup step writes config.json for nginx and backend.env for the backend.
  const frontendConfig = env('setup', 'FRONTEND_CONFIG_FILE');
  const alias = /location = \/config\.json \{\s*alias (\S+);/.exec(
    readRepoFile('frontend/nginx.conf'),
  )?.[1];
  assert.equal(alias, frontendConfig);
  assert.equal(volumeHolding('frontend', frontendConfig), volumeHolding('setup', frontendConfig));
  const backendEnv = env('setup', 'BACKEND_ENV_FILE');
  assert.equal(env('backend', 'BACKEND_ENV_FILE'), backendEnv);
  assert.equal(volumeHolding('backend', backendEnv), volumeHolding('setup', backendEnv));
  assert.notEqual(
    volumeHolding('setup', backendEnv),
    volumeHolding('setup', frontendConfig),
    'the secrets must not sit on the volume nginx serves from',
  );
  assert.equal(env('setup', 'BACKEND_ENV_OWNER'), '1000:1000', "the node image's node user");
});

test('all state lives in named volumes, so `docker compose down -v` resets everything', {
  skip,
}, () => {
  const declared = new Set(Object.keys(compose().volumes ?? {}));
  for (const [name, definition] of Object.entries(compose().services)) {
    for (const mount of mountsOf(definition)) {
      assert.equal(mount.type, 'volume', `${name} bind-mounts ${mount.source}`);
      assert.ok(declared.has(mount.source), `${name} uses undeclared volume ${mount.source}`);
    }
  }
  const dbData = mountsOf(service('db')).find(
    (mount) => mount.target === '/var/lib/postgresql/data',
  );
  assert.ok(dbData, 'the database keeps its data in a volume');
});

test("ZITADEL's denylist lets it call the webhook, and nothing more", { skip }, () => {
  const denylist = env('zitadel', 'ZITADEL_HTTPCLIENT_DENYLIST')
    .split(',')
    .map((entry) => entry.trim());
  const webhook = new URL(env('setup', 'WEBHOOK_URL'));
  // An IP literal: a host name may not resolve when the target is created (zitadel#12244).
  assert.match(webhook.hostname, /^\d+\.\d+\.\d+\.\d+$/);
  for (const entry of denylist) {
    assert.equal(ipv4InCidr(webhook.hostname, entry), false, `${entry} denies the webhook`);
  }
  assert.notEqual(webhook.hostname, 'localhost');
  assert.equal(webhook.port, env('backend', 'PORT'), "the webhook is the backend's port");
  for (const kept of ['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) {
    assert.ok(denylist.includes(kept), `the override must keep denying ${kept}`);
  }
});

test('dev-only secrets have working defaults', { skip }, () => {
  // ZITADEL refuses a masterkey that is not exactly 32 characters.
  assert.equal(env('zitadel', 'ZITADEL_MASTERKEY').length, 32);
  assert.match(String(service('zitadel').command), /start-from-init/);
  assert.match(String(service('zitadel').command), /--masterkeyFromEnv/);
  // The app's database and user are those the db service creates on its first start.
  const database = new URL(env('backend', 'DATABASE_URL'));
  assert.equal(database.hostname, 'db');
  assert.equal(database.pathname, `/${env('db', 'APP_DB_NAME')}`);
  assert.equal(database.username, env('db', 'APP_DB_USER'));
  assert.equal(decodeURIComponent(database.password), env('db', 'APP_DB_PASSWORD'));
  assert.equal(
    env('zitadel', 'ZITADEL_DATABASE_POSTGRES_ADMIN_PASSWORD'),
    env('db', 'POSTGRES_PASSWORD'),
  );
});

test('the backend never gets the instance-owner PAT: no bootstrap volume, its own PAT from setup', {
  skip,
}, () => {
  const adminPatFile = env('setup', 'ZITADEL_PAT_FILE');
  const bootstrap = volumeHolding('setup', adminPatFile);
  for (const name of ['backend', 'frontend']) {
    const mounts = mountsOf(service(name)).map((mount) => mount.source);
    assert.ok(
      !mounts.includes(bootstrap),
      `${name} mounts ${bootstrap}, which holds the admin PAT`,
    );
  }
  assert.equal(service('backend').environment?.ZITADEL_PAT, undefined);
});

// The backend refuses an http:// issuer or ZITADEL API off loopback unless told otherwise
// (backend/src/config.ts, OIDC_ALLOW_INSECURE_ISSUER, dev only). In compose it shares ZITADEL's
// network namespace, so what the setup step writes for it is loopback and needs no opt-in.
test('the backend reaches ZITADEL on loopback: no insecure-issuer opt-in needed', { skip }, () => {
  assert.equal(service('backend').network_mode, 'service:zitadel');
  for (const variable of ['OIDC_ISSUER', 'ZITADEL_API_URL']) {
    const url = new URL(env('setup', variable));
    assert.ok(
      url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname),
      `${variable} ${url} is not loopback`,
    );
  }
  assert.equal(service('backend').environment?.OIDC_ALLOW_INSECURE_ISSUER, undefined);
});
