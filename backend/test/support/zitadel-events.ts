import { createHmac } from 'node:crypto';
import type { IdentityEvent } from '../../src/provisioning/identity-event';

let nextUser = 337000000000000000n;
/** A fresh 18-digit ZITADEL-style user id. */
export function newUserId(): string {
  nextUser += 1n;
  return String(nextUser);
}

/**
 * A user event as the reconciler reads it, a minute old: sequences of one user stay in order of
 * time, and the org defaults to the one most tests use.
 */
export function userEvent(
  userId: string,
  sequence: number,
  eventType: string,
  payload: Record<string, unknown> = {},
  orgId = '336392597046099971',
): IdentityEvent {
  return {
    aggregateType: 'user',
    aggregateId: userId,
    sequence,
    eventType,
    resourceOwner: orgId,
    createdAt: new Date(Date.now() - 60_000 + sequence).toISOString(),
    payload,
  };
}

/** An Actions v2 webhook body as ZITADEL v4 sends it (shape from shared/zitadel.md). */
export function webhookBody(options: {
  userId: string;
  sequence: number;
  eventType: string;
  payload?: Record<string, unknown> | string;
  createdAt?: string;
}) {
  return JSON.stringify({
    aggregateID: options.userId,
    aggregateType: 'user',
    resourceOwner: '336392597046099971',
    instanceID: '336392597046034435',
    version: 'v2',
    sequence: options.sequence,
    event_type: options.eventType,
    created_at: options.createdAt ?? new Date().toISOString(),
    userID: '336392597046755331',
    event_payload: options.payload ?? {},
  });
}

export function addedPayload(email: string, firstName = 'Minnie', lastName = 'Mouse') {
  return {
    email,
    gender: 1,
    lastName,
    nickName: 'Mini',
    userName: email,
    firstName,
    displayName: `${firstName} ${lastName}`,
    preferredLanguage: 'en',
    // ZITADEL includes the password hash; it must never be stored.
    encodedHash: '$2a$14$abcdefghijklmnopqrstuv',
  };
}

/** The ZITADEL-Signature header, computed here independently of the backend's verifier. */
export function sign(body: string, key: string, timestamp = Math.floor(Date.now() / 1000)) {
  const hex = createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${hex}`;
}
