import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  type ActionTarget,
  type ActionTargetName,
  type ActionTargets,
  createActionTargets,
} from './action-targets';
import { loadOrCreateSecret } from './data-files';
import type { LocalIdpOptions } from './local-idp-options';

/**
 * The Actions v2 targets from startLocalIdp's options: each URL checked, each target's signing key
 * given or generated once in the data directory, as ZITADEL gives each target its own.
 */
export function configureActionTargets(
  config: LocalIdpOptions['actionTargets'],
  dataDir: string,
  log: (line: string) => void,
  sequenceOf: (userId: string) => number | undefined,
): ActionTargets {
  const key = (name: ActionTargetName, file: string) =>
    config?.signingKeys?.[name] ??
    loadOrCreateSecret(join(dataDir, `actions-${file}-signing-key`), () =>
      randomBytes(24).toString('base64url'),
    );
  const target = (value: string | ActionTarget | undefined, interruptOnError: boolean) => {
    if (value === undefined) return undefined;
    const resolved = typeof value === 'string' ? { url: value, interruptOnError } : value;
    const url = URL.parse(resolved.url);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new Error(`action target is not an http(s) URL: ${resolved.url}`);
    return resolved;
  };
  return createActionTargets({
    // Our recommendation (docs/decisions/021): the enricher fails open, the signup policy closed.
    preAccessToken: target(config?.preAccessToken, false),
    preUserinfo: target(config?.preUserinfo, false),
    addHumanUser: target(config?.addHumanUser, true),
    signingKeys: {
      preAccessToken: key('preAccessToken', 'preaccesstoken'),
      preUserinfo: key('preUserinfo', 'preuserinfo'),
      addHumanUser: key('addHumanUser', 'add-human-user'),
    },
    sequenceOf,
    timeoutMs: config?.timeoutMs,
    log,
  });
}
