import { describe, expect, it } from 'vitest';
import {
  type IdentityEvent,
  storableEvent,
  stripSecrets,
} from '../src/provisioning/identity-event';

const eventWith = (payload: Record<string, unknown>): IdentityEvent => ({
  aggregateType: 'user',
  aggregateId: '336392597046100003',
  sequence: 1,
  eventType: 'user.human.added',
  resourceOwner: '336392597046099971',
  createdAt: '2026-12-07T10:00:00.123456Z',
  payload,
});

describe('payload copies', () => {
  // Tried: a body whose JSON has a `__proto__` key (JSON.parse makes it an own property) holding
  // an object, next to text that must be cleaned or a key that must be dropped, so a copy is made.
  // Copied by assignment, the key would become the copy's prototype: `isAdmin` would be inherited
  // and the key itself lost from the stored payload.
  const hostile = () =>
    JSON.parse(
      '{"__proto__":{"isAdmin":true},"firstName":"Mi\\u0000nnie","encodedHash":"$2a$14$x","nested":[{"__proto__":{"polluted":1}}]}',
    ) as Record<string, unknown>;

  it('keeps a `__proto__` key as data when cleaning text Postgres cannot store', () => {
    const payload = storableEvent(eventWith(hostile())).payload;
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.keys(payload)).toContain('__proto__');
    expect((payload as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(payload, '__proto__')?.value).toEqual({ isAdmin: true });
    expect(payload.firstName).toBe('Minnie');
    const [inner] = payload.nested as Record<string, unknown>[];
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.keys(inner ?? {})).toEqual(['__proto__']);
  });

  it('keeps a `__proto__` key as data when dropping secrets', () => {
    const payload = stripSecrets(hostile()) as Record<string, unknown>;
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.keys(payload)).toEqual(['__proto__', 'firstName', 'nested']);
    expect((payload as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(JSON.stringify(payload)).toBe(
      '{"__proto__":{"isAdmin":true},"firstName":"Mi\\u0000nnie","nested":[{"__proto__":{"polluted":1}}]}',
    );
  });

  it('drops NUL and lone surrogates from keys and values and keeps surrogate pairs', () => {
    // Tried: NUL in a key, a lone high and a lone low surrogate, and a well-formed emoji pair.
    const payload = storableEvent(
      eventWith({ 'first\u0000Name': 'A\ud800B\udfffC', displayName: 'Minnie 🐭' }),
    ).payload;
    expect(payload).toEqual({ firstName: 'ABC', displayName: 'Minnie 🐭' });
  });
});
