import { chmod, chown, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { envPrefixOf } from './ensure-action-targets';

/**
 * The files the setup step hands to the other services:
 * - the SPA's `config.json` (public: a PKCE client has no secret), served beside the app;
 * - the backend's env file (secret: the reconciler's PAT, the API app's client secret and the
 *   webhook signing key; never the setup step's instance-owner PAT), sourced by the
 *   backend's container before it starts. Values are single-quoted so that `sh` reads them
 *   verbatim.
 * Each file is written only when its content changes, through a temporary file and a rename, so
 * a reader never sees half a file and a second run leaves both untouched.
 */

export interface FrontendConfigValues {
  issuer: string;
  clientId: string;
  projectId: string;
  apiBaseUrl: string;
  oidcMetadata?: Record<string, unknown> | undefined;
}

export function renderFrontendConfig({
  issuer,
  clientId,
  projectId,
  apiBaseUrl,
  oidcMetadata,
}: FrontendConfigValues): string {
  const config = {
    oidcAuthority: issuer,
    oidcClientId: clientId,
    // Asks ZITADEL to put the project id into the access token's audience.
    oidcExtraScope: `urn:zitadel:iam:org:project:id:${projectId}:aud`,
    apiBaseUrl,
    // ZITADEL's discovery document, so the SPA's callback redeems the code without fetching it
    // first (decision 018). Its issuer was checked against OIDC_ISSUER before we got here.
    ...(oidcMetadata ? { oidcMetadata } : {}),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface BackendEnvValues {
  issuer: string;
  projectId: string;
  clientId: string;
  introspection: { clientId: string; clientSecret: string };
  zitadelApiUrl: string;
  reconciler: { userId: string; pat: string };
  targetId: string;
  signingKey: string;
  actions?:
    | {
        targets: { path: string; id: string; signingKey: string }[];
        clientIds: string[];
      }
    | undefined;
}

export function renderBackendEnv({
  issuer,
  projectId,
  clientId,
  introspection,
  zitadelApiUrl,
  reconciler,
  targetId,
  signingKey,
  actions,
}: BackendEnvValues): string {
  const entries: Array<[string, string]> = [
    ['OIDC_ISSUER', issuer],
    ['OIDC_AUDIENCE', projectId],
    // Only the SPA's access tokens: any app of the instance can get one with the project in aud.
    ['OIDC_CLIENT_IDS', clientId],
    ['OIDC_INTROSPECTION_CLIENT_ID', introspection.clientId],
    ['OIDC_INTROSPECTION_CLIENT_SECRET', introspection.clientSecret],
    ['ZITADEL_API_URL', zitadelApiUrl],
    ['ZITADEL_PAT', reconciler.pat],
    ['ZITADEL_RECONCILER_USER_ID', reconciler.userId],
    ['ZITADEL_WEBHOOK_SIGNING_KEYS', signingKey],
    ['ZITADEL_WEBHOOK_TARGET_ID', targetId],
    ...(actions
      ? [
          // Each target's own key: the backend verifies a target only with its own.
          ...actions.targets.flatMap(
            (target): Array<[string, string]> => [
              [`${envPrefixOf(target.path)}_SIGNING_KEYS`, target.signingKey],
              [`${envPrefixOf(target.path)}_TARGET_ID`, target.id],
            ],
          ),
          // Enrich only the SPA's tokens, not the console's.
          ['ZITADEL_ACTIONS_CLIENT_IDS', actions.clientIds.join(',')] as [string, string],
        ]
      : []),
    ['ZITADEL_PROJECT_ID', projectId],
    ['ZITADEL_CLIENT_ID', clientId],
  ];
  const lines = entries.map(([name, value]) => `${name}=${quoteForShell(value)}`);
  return [
    '# Written by zitadel-setup (docker compose): the backend sources this file before it starts.',
    "# Secret: the reconciler machine user's PAT (instance role IAM_OWNER_VIEWER: read-only), the",
    "# API app's client secret and the webhook signing key. `docker compose down -v` deletes it.",
    ...lines,
    '',
  ].join('\n');
}

export function quoteForShell(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Reads back an env file in the format renderBackendEnv writes. A missing file reads as empty.
 */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseEnv(text);
}

export function parseEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const [, name = '', raw = ''] = match;
    values[name] = unquote(raw);
  }
  return values;
}

function unquote(raw: string): string {
  if (!raw.startsWith("'")) return raw;
  // Shell single quotes: quoteForShell writes each ' inside the value as '\''.
  return raw.split(`'\\''`).join("'").replace(/^'/, '').replace(/'$/, '');
}

export async function writeFileIfChanged(
  path: string,
  content: string,
  { mode, owner }: { mode: number; owner?: { uid: number; gid: number } | undefined },
): Promise<'created' | 'updated' | 'unchanged'> {
  let previous: string | undefined;
  try {
    previous = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (previous === content) return 'unchanged';
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  if (owner) await chown(temporary, owner.uid, owner.gid);
  await rename(temporary, path);
  return previous === undefined ? 'created' : 'updated';
}
