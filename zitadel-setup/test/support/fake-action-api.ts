import { type Answer, answer, type FakeState, type Json } from './fake-zitadel-state';

/** The fake's action API v2: targets and executions. Undefined when the route is not one of them. */
export function actionV2(
  fake: FakeState,
  method: string,
  path: string,
  body: Json,
): Answer | undefined {
  // Action API v2: targets and executions.
  if (method === 'POST' && path === '/v2/actions/targets/search') {
    const name = body?.filters?.[0]?.targetNameFilter?.targetName;
    const targets = fake.state.targets
      .filter((target) => name === undefined || target.name === name)
      .map((target) =>
        fake.behavior.hideSigningKeys ? { ...target, signingKey: undefined } : target,
      );
    return answer(200, {
      pagination: { totalResult: String(targets.length), appliedLimit: '10' },
      targets,
    });
  }
  if (method === 'POST' && path === '/v2/actions/targets') {
    const types = ['restWebhook', 'restCall', 'restAsync'].filter(
      (type) => body?.[type] !== undefined,
    );
    if (!body?.name || !body?.endpoint || !body?.timeout || types.length !== 1) {
      return answer(400, {
        code: 'invalid_argument',
        message: 'invalid CreateTargetRequest',
      });
    }
    const target = {
      id: fake.newId(),
      creationDate: fake.now(),
      changeDate: fake.now(),
      name: body.name,
      [types[0] as string]: body[types[0] as string],
      timeout: body.timeout,
      endpoint: body.endpoint,
      signingKey: `signing-key-${fake.ids.next}`,
      payloadType: body.payloadType ?? 'PAYLOAD_TYPE_JSON',
    };
    fake.state.targets.push(target);
    return answer(200, {
      id: target.id,
      creationDate: target.creationDate,
      signingKey: target.signingKey,
    });
  }
  const targetPath = /^\/v2\/actions\/targets\/(\d+)$/.exec(path);
  if (method === 'POST' && targetPath) {
    const target = fake.state.targets.find((candidate) => candidate.id === targetPath[1]);
    if (!target) return answer(404, { code: 'not_found', message: 'Errors.Target.NotFound' });
    const { expirationSigningKey, ...changes } = body ?? {};
    if (changes.restWebhook) {
      delete target.restCall;
      delete target.restAsync;
    }
    Object.assign(target, changes, { changeDate: fake.now() });
    if (expirationSigningKey !== undefined) target.signingKey = `rotated-key-${fake.ids.next++}`;
    return answer(200, {
      changeDate: target.changeDate,
      ...(expirationSigningKey !== undefined ? { signingKey: target.signingKey } : {}),
    });
  }
  if (method === 'POST' && path === '/v2/actions/executions/search') {
    const wanted = body?.filters?.[0]?.inConditionsFilter?.conditions;
    const keys = Array.isArray(wanted)
      ? new Set(wanted.map((condition) => JSON.stringify(condition)))
      : undefined;
    const executions = fake.state.executions
      .filter((execution) => execution.targets.length > 0)
      .filter((execution) => !keys || keys.has(JSON.stringify(execution.condition)))
      .map((execution) => ({ ...execution, creationDate: fake.now(), changeDate: fake.now() }));
    return answer(200, {
      pagination: { totalResult: String(executions.length), appliedLimit: '100' },
      executions,
    });
  }
  if (method === 'PUT' && path === '/v2/actions/executions') {
    if (!isValidCondition(body?.condition) || !Array.isArray(body.targets)) {
      return answer(400, {
        code: 'invalid_argument',
        message: 'Errors.Execution.Invalid',
      });
    }
    for (const id of body.targets) {
      if (typeof id !== 'string' || !fake.state.targets.some((target) => target.id === id)) {
        return answer(404, {
          code: 'not_found',
          message: `Errors.Target.NotFound (${id})`,
        });
      }
    }
    const key = JSON.stringify(body.condition);
    const existing = fake.state.executions.find(
      (execution) => JSON.stringify(execution.condition) === key,
    );
    if (existing) existing.targets = body.targets;
    else fake.state.executions.push({ condition: body.condition, targets: body.targets });
    return answer(200, { setDate: fake.now() });
  }
  return undefined;
}

// What SetExecution accepts (proto zitadel/action/v2/execution.proto Condition): an event, a
// function ZITADEL knows (domain.ActionFunction: preuserinfo, preaccesstoken, presamlresponse) or
// a request by method ("/package.Service/Method"), service or all.
const FUNCTIONS = new Set(['preuserinfo', 'preaccesstoken', 'presamlresponse']);

function isValidCondition(condition: Json) {
  const event = condition?.event;
  if (event) return Boolean(event.group || event.event || event.all);
  if (condition?.function) return FUNCTIONS.has(condition.function.name);
  const request = condition?.request;
  if (request) {
    return (
      (typeof request.method === 'string' && /^\/[\w.]+\/\w+$/.test(request.method)) ||
      typeof request.service === 'string' ||
      request.all === true
    );
  }
  return false;
}
