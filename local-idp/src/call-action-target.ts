import type { ActionTarget } from './action-targets';
import { computeSignature, SIGNATURE_HEADER } from './webhook-delivery';

/** A failed target call, as ZITADEL reports it to the flow that made it. */
export class TargetCallError extends Error {
  constructor(
    message: string,
    /** The target's own 4xx (forwardedStatusCode), or undefined for any other failure. */
    readonly forwardedStatus: number | undefined,
  ) {
    super(message);
    this.name = 'TargetCallError';
  }
}

/** One signed POST; resolves with the 2xx body, rejects with a TargetCallError otherwise. */
export async function callActionTarget(
  target: ActionTarget,
  signingKey: string,
  body: string,
  timeoutMs: number,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: computeSignature(body, signingKey, Math.floor(Date.now() / 1000)),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : (error as Error).message;
    throw new TargetCallError(reason, undefined);
  }
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw new TargetCallError(`HTTP ${response.status}`, undefined);
  }
  const forwarded = parseJsonObject(text) as
    | { forwardedStatusCode?: unknown; forwardedErrorMessage?: unknown }
    | undefined;
  const status =
    typeof forwarded?.forwardedStatusCode === 'number' ? forwarded.forwardedStatusCode : 0;
  const message =
    typeof forwarded?.forwardedErrorMessage === 'string' ? forwarded.forwardedErrorMessage : '';
  if (status !== 0 || message !== '') {
    throw new TargetCallError(
      message || `forwarded status ${status}`,
      status >= 400 && status < 500 ? status : undefined,
    );
  }
  return text;
}

/** A JSON object, or undefined for anything else (an array, a string, a body that is not JSON). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
