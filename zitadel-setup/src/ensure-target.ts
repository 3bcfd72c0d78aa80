/**
 * Finds an Actions v2 target by its exact name, or creates it, and corrects what drifted.
 *
 * - `type` is `restWebhook` (the answer is only checked for its status), `restCall` (the answer is
 *   used: claims for a function, a verdict for a request), or `restAsync`; `interruptOnError`
 *   decides whether a failing call stops ZITADEL's flow (not for `restAsync`).
 * - Payload JSON, ZITADEL's default; the request leaves `payloadType` out so that it also works on
 *   versions without the field. JWT and JWE payloads never fire for event executions
 *   (zitadel#11985): a target found with one is switched back to JSON.
 * - ZITADEL refuses endpoints on private or loopback addresses unless its outgoing-HTTP denylist is
 *   overridden, and endpoints whose host does not resolve yet (zitadel#12244): docker-compose.yml
 *   takes care of both (an IP literal, and ZITADEL_HTTPCLIENT_DENYLIST).
 *
 * The signing key comes with the created target and with every listed target; when it is missing
 * from both the answer and what an earlier run wrote for this target (`known`), it is rotated,
 * which is the only way to learn it again.
 *
 * Bodies: `@zitadel/proto` 1.3.1 ships the action API as v2beta; v2 (`/v2/actions/...`, what this
 * step calls) has the same fields plus `payloadType` (zitadel/action/v2/target.proto).
 */
import type {
  CreateTargetRequestJson,
  CreateTargetResponseJson,
  ListTargetsRequestJson,
  ListTargetsResponseJson,
  UpdateTargetRequestJson,
  UpdateTargetResponseJson,
} from '@zitadel/proto/zitadel/action/v2beta/action_service_pb';
import type { TargetJson } from '@zitadel/proto/zitadel/action/v2beta/target_pb';
import type { ZitadelClient } from './zitadel-client';

export type TargetType = 'restWebhook' | 'restCall' | 'restAsync';

export interface EnsuredTarget {
  id: string;
  signingKey: string;
  created: boolean;
  updated: boolean;
}

/** action v2's PayloadType (absent from v2beta). */
type PayloadType =
  | 'PAYLOAD_TYPE_UNSPECIFIED'
  | 'PAYLOAD_TYPE_JSON'
  | 'PAYLOAD_TYPE_JWT'
  | 'PAYLOAD_TYPE_JWE';
type TargetV2 = TargetJson & { payloadType?: PayloadType };
type UpdateTargetV2 = UpdateTargetRequestJson & { payloadType?: PayloadType };

export interface TargetOptions {
  name: string;
  endpoint: string;
  type: TargetType;
  interruptOnError: boolean;
  timeout: string;
  label: string;
  known?: { targetId?: string | undefined; signingKey?: string | undefined };
  log: (line: string) => void;
}

export async function ensureTarget(
  client: ZitadelClient,
  options: TargetOptions,
): Promise<EnsuredTarget> {
  const { name, endpoint, type, interruptOnError, timeout, label, known = {}, log } = options;
  const settings = type === 'restAsync' ? {} : { interruptOnError };
  const found = await client.post<ListTargetsResponseJson>('/v2/actions/targets/search', {
    pagination: { limit: 10 },
    filters: [{ targetNameFilter: { targetName: name, method: 'TEXT_FILTER_METHOD_EQUALS' } }],
  } satisfies ListTargetsRequestJson);
  const existing: TargetV2 | undefined = (found.targets ?? []).find(
    (target) => target.name === name,
  );

  if (!existing) {
    const created = await client.post<CreateTargetResponseJson>('/v2/actions/targets', {
      name,
      endpoint,
      timeout,
      [type]: settings,
    } satisfies CreateTargetRequestJson);
    if (!created.signingKey)
      throw new Error(`ZITADEL created target ${created.id} without a signing key`);
    log(`${label} target "${name}": created ${created.id} -> ${endpoint}`);
    return {
      id: String(created.id),
      signingKey: created.signingKey,
      created: true,
      updated: false,
    };
  }

  const id = String(existing.id);
  const update: UpdateTargetV2 = {};
  const reasons: string[] = [];
  if (existing.endpoint !== endpoint) {
    update.endpoint = endpoint;
    reasons.push(`endpoint was ${existing.endpoint}`);
  }
  const current: { interruptOnError?: boolean } | undefined = existing[type];
  if (
    !current ||
    (type !== 'restAsync' && Boolean(current.interruptOnError) !== interruptOnError)
  ) {
    update[type] = settings;
    reasons.push(`type was not ${type} with interruptOnError ${interruptOnError}`);
  }
  if (existing.payloadType === 'PAYLOAD_TYPE_JWT' || existing.payloadType === 'PAYLOAD_TYPE_JWE') {
    update.payloadType = 'PAYLOAD_TYPE_JSON';
    reasons.push(`payload type was ${existing.payloadType}`);
  }
  let signingKey: string | undefined =
    existing.signingKey || (known.targetId === id ? known.signingKey : undefined) || undefined;
  if (!signingKey) {
    update.expirationSigningKey = '0s';
    reasons.push('its signing key is unknown, so it is rotated');
  }

  if (reasons.length === 0) {
    log(`${label} target "${name}": found ${id} -> ${endpoint}`);
    return { id, signingKey: signingKey as string, created: false, updated: false };
  }
  const updated = await client.post<UpdateTargetResponseJson>(
    `/v2/actions/targets/${encodeURIComponent(id)}`,
    update,
  );
  if (update.expirationSigningKey !== undefined) signingKey = updated.signingKey;
  if (!signingKey) throw new Error(`ZITADEL returned no signing key for target ${id}`);
  log(`${label} target "${name}": updated ${id} (${reasons.join('; ')})`);
  return { id, signingKey, created: false, updated: true };
}
