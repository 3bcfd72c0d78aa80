import { describe, expect, it } from 'vitest';
import {
  changesFromEvent,
  type IdentityEvent,
  isHandled,
} from '../src/provisioning/identity-event';
import { FIELD_NAMES } from '../src/provisioning/user-fields';

// What each followed ZITADEL event says about the app user. The per-field tests (field-rule,
// apply-identity-events) fold events through this same function on both sides, so they cannot see
// an event that changes the wrong field: this table is the one place the mapping is written out.
const event = (eventType: string, payload: Record<string, unknown> = {}): IdentityEvent => ({
  aggregateType: 'user',
  aggregateId: '336392597046100077',
  sequence: 4,
  eventType,
  resourceOwner: '336392597046099971',
  createdAt: '2026-12-07T10:00:00.123456Z',
  payload,
});

describe('what each followed event changes on the app user', () => {
  it.each(['user.human.added', 'user.human.selfregistered'])(
    '%s sets the whole profile, active, with the email unverified unless it says so',
    (type) => {
      expect(
        changesFromEvent(
          event(type, {
            email: 'minnie@example.com',
            firstName: 'Minnie',
            lastName: 'Mouse',
            displayName: 'Minnie M.',
          }),
        ),
      ).toStrictEqual({
        email: 'minnie@example.com',
        emailVerified: false,
        givenName: 'Minnie',
        familyName: 'Mouse',
        displayName: 'Minnie M.',
        state: 'active',
      });
      expect(changesFromEvent(event(type, { isEmailVerified: true })).emailVerified).toBe(true);
      // Only `true` verifies: ZITADEL's flag is a boolean, and "true" as text is not it.
      expect(changesFromEvent(event(type, { isEmailVerified: 'true' })).emailVerified).toBe(false);
    },
  );

  it('builds the display name from the names when the signup has none, without stray spaces', () => {
    const changes = (payload: Record<string, unknown>) =>
      changesFromEvent(event('user.human.added', payload)).displayName;
    expect(changes({ firstName: 'Minnie', lastName: 'Mouse' })).toBe('Minnie Mouse');
    expect(changes({ firstName: 'Minnie', lastName: 'Mouse', displayName: '' })).toBe(
      'Minnie Mouse',
    );
    expect(changes({ firstName: 'Minnie' })).toBe('Minnie');
    expect(changes({ lastName: 'Mouse' })).toBe('Mouse');
    expect(changes({})).toBe('');
  });

  it('takes a field that is not text as absent: no email, empty names', () => {
    // Tried: a number, an object and null where ZITADEL writes text.
    expect(
      changesFromEvent(
        event('user.human.added', { email: 42, firstName: { a: 1 }, lastName: null }),
      ),
    ).toStrictEqual({
      email: null,
      emailVerified: false,
      givenName: '',
      familyName: '',
      displayName: '',
      state: 'active',
    });
    expect(
      changesFromEvent(event('user.human.profile.changed', { firstName: 7, lastName: 'Mouse' })),
    ).toStrictEqual({ familyName: 'Mouse' });
  });

  it('changes only the names a profile change carries', () => {
    expect(
      changesFromEvent(event('user.human.profile.changed', { firstName: 'Mina', nickName: 'M' })),
    ).toStrictEqual({ givenName: 'Mina' });
    expect(
      changesFromEvent(
        event('user.human.profile.changed', { lastName: 'Maus', displayName: 'Mina Maus' }),
      ),
    ).toStrictEqual({ familyName: 'Maus', displayName: 'Mina Maus' });
    // An empty name is a change to empty, not an absent one.
    expect(changesFromEvent(event('user.human.profile.changed', { firstName: '' }))).toStrictEqual({
      givenName: '',
    });
  });

  it('unverifies a changed email, and verifies it only on its own event', () => {
    expect(
      changesFromEvent(event('user.human.email.changed', { email: 'new@example.com' })),
    ).toStrictEqual({ email: 'new@example.com', emailVerified: false });
    expect(changesFromEvent(event('user.human.email.changed', {}))).toStrictEqual({
      email: null,
      emailVerified: false,
    });
    expect(changesFromEvent(event('user.human.email.verified', { email: 'x@y.z' }))).toStrictEqual({
      emailVerified: true,
    });
  });

  it.each([
    ['user.deactivated', 'inactive'],
    ['user.reactivated', 'active'],
    ['user.locked', 'locked'],
    ['user.unlocked', 'active'],
  ])('%s changes the state only, to %s', (type, state) => {
    expect(changesFromEvent(event(type, { firstName: 'Ignored' }))).toStrictEqual({ state });
  });

  it('erases every personal field on user.removed', () => {
    const changes = changesFromEvent(event('user.removed', { userName: 'minnie@example.com' }));
    expect(changes).toStrictEqual({
      email: null,
      emailVerified: false,
      displayName: '',
      givenName: '',
      familyName: '',
      state: 'removed',
    });
    // Every field, so no older event arriving later can set one again.
    expect(Object.keys(changes).sort()).toStrictEqual([...FIELD_NAMES].sort());
  });

  it('changes nothing for an event it does not follow', () => {
    expect(
      changesFromEvent(event('user.human.password.changed', { firstName: 'X' })),
    ).toStrictEqual({});
  });

  it('follows user events of the listed types only', () => {
    expect(isHandled({ aggregateType: 'user', eventType: 'user.locked' })).toBe(true);
    expect(isHandled({ aggregateType: 'user', eventType: 'user.machine.added' })).toBe(false);
    // The type is followed only on the user aggregate.
    expect(isHandled({ aggregateType: 'org', eventType: 'user.locked' })).toBe(false);
  });
});
