import { describe, expect, it } from 'vitest';
import {
  createSignupPolicy,
  DEFAULT_BLOCKED_EMAIL_DOMAINS,
  DEFAULT_RESERVED_USERNAMES,
} from '../src/actions/signup-policy';

const policy = createSignupPolicy({
  reservedUsernames: DEFAULT_RESERVED_USERNAMES,
  blockedEmailDomains: DEFAULT_BLOCKED_EMAIL_DOMAINS,
});

describe('signup policy with its defaults', () => {
  it.each([
    [{ username: 'admin' }, 'reserved_username'],
    [{ username: ' Liverty-Music ' }, 'reserved_username'],
    [{ username: 'support@example.com' }, 'reserved_username'],
    [{ email: 'ROOT@example.com' }, 'reserved_username'],
    [{ email: 'noreply+x@example.com' }, 'reserved_username'],
    [{ email: 'ｒｏｏｔ@example.com' }, 'reserved_username'],
    [{ email: 'fan@yopmail.com' }, 'blocked_email_domain'],
    [{ email: 'fan@mail.yopmail.com.' }, 'blocked_email_domain'],
    [{ username: 'fan', email: 'admin@mailinator.com' }, 'reserved_username'],
  ])('refuses %j (%s)', (candidate, reason) => {
    expect(policy(candidate)).toMatchObject({ allowed: false, reason });
  });

  it.each([
    [{}],
    [{ username: 'minnie', email: 'minnie@example.com' }],
    [{ email: 'admins-fan@example.com' }],
    [{ email: 'fan@yopmail.com.evil.example' }],
    [{ email: 'not-an-address' }],
    [{ email: '@example.com' }],
  ])('lets %j through', (candidate) => {
    expect(policy(candidate)).toEqual({ allowed: true });
  });

  it('an empty configuration refuses nothing', () => {
    const open = createSignupPolicy({ reservedUsernames: [], blockedEmailDomains: [' ', ''] });
    expect(open({ username: 'admin', email: 'admin@mailinator.com' })).toEqual({ allowed: true });
  });
});
