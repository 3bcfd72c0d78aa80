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

describe('signup policy: names read as a mail system and a reader read them (finding: normalisation)', () => {
  const strict = createSignupPolicy({
    reservedUsernames: DEFAULT_RESERVED_USERNAMES,
    blockedEmailDomains: [...DEFAULT_BLOCKED_EMAIL_DOMAINS, 'müll.example'],
  });

  // The shapes the review got through, exactly.
  it.each([
    ['trailing dot', { username: 'admin.' }],
    ['dots between letters', { username: 'a.d.m.i.n' }],
    ['a digit for a letter', { username: 'adm1n' }],
    ['a quoted local part', { email: '"admin"@x.com' }],
  ])('refuses the reviewed shape: %s (%j) as reserved', (_what, candidate) => {
    expect(strict(candidate)).toMatchObject({ allowed: false, reason: 'reserved_username' });
  });

  it('refuses a domain followed by a zero-width space outright, naming the reason', () => {
    expect(strict({ email: 'fan@mailinator.com\u200B' })).toEqual({
      allowed: false,
      reason: 'invisible_characters',
      message: expect.stringMatching(/invisible or formatting characters/),
    });
  });

  it.each([
    ['dash', { username: 'ad-min' }],
    ['underscore', { username: 'ad_min' }],
    ['inner space', { username: 'ad min' }],
    ['leading and trailing dots', { email: '.admin.@example.com' }],
    ['accents', { username: 'àdmín' }],
    ['Turkish dotted capital I', { username: 'ADMİN' }],
    ['Turkish dotless i', { username: 'admın' }],
    ['Cyrillic а for Latin a', { username: 'аdmin' }],
    ['Cyrillic ѕ and о', { email: 'ѕupp0rt@example.com' }],
    ['Greek ο in root', { username: 'rοοt' }],
    ['digits 0 for o', { username: 'r00t' }],
    ['5 for s and 7 for t', { username: '5y5tem' }],
    ['4 for a and 3 for e', { username: '4dministr4tor' }],
    ['3 for e and 1 for l', { email: 'h31p@example.com' }],
    ['l for i', { username: 'admln' }],
    ['full-width letters', { username: 'ＡＤＭＩＮ' }],
    ['full-width at sign', { email: 'admin＠example.com' }],
    ['quoted with an escape', { email: '"ad\\min"@example.com' }],
    ['a comment before the @', { email: 'admin(boss)@example.com' }],
    ['a comment in front', { email: '(boss)admin@example.com' }],
    ['quoted with a +tag inside', { email: '"admin+x"@example.com' }],
    ['no-reply without its dash', { username: 'noreply' }],
    ['no_reply with an underscore', { username: 'no_reply' }],
    ['the product with dots', { email: 'liverty.music@example.com' }],
    ['the product in leetspeak', { username: '1iv3rty-mu5ic' }],
  ])('refuses a reserved name in another spelling: %s (%j)', (_what, candidate) => {
    expect(strict(candidate)).toMatchObject({ allowed: false, reason: 'reserved_username' });
  });

  it.each([
    ['zero-width space inside', { username: 'ad\u200Bmin' }],
    ['zero-width joiner', { email: 'fan\u200D@example.com' }],
    ['right-to-left override', { username: '\u202Enimda' }],
    ['left-to-right isolate', { email: 'fan@\u2066example.com\u2069' }],
    ['a byte-order mark', { username: '\uFEFFminnie' }],
    ['a soft hyphen', { username: 'ad\u00ADmin' }],
    ['a tag character', { username: 'minnie\u{E0041}' }],
    ['a variation selector', { username: 'minnie\uFE0F' }],
    ['a Hangul filler', { username: 'minnie\u3164' }],
    ['a control character', { email: 'fan\u0007@example.com' }],
  ])('refuses invisible characters outright: %s', (_what, candidate) => {
    expect(strict(candidate)).toMatchObject({ allowed: false, reason: 'invisible_characters' });
  });

  it.each([
    ['trailing dot', 'fan@mailinator.com.'],
    ['two trailing dots', 'fan@mailinator.com..'],
    ['upper case', 'fan@MAILINATOR.COM'],
    ['full-width letters', 'fan@ｍａｉｌｉｎａｔｏｒ.com'],
    ['an ideographic full stop', 'fan@mailinator\u3002com'],
    ['a subdomain', 'fan@a.b.mailinator.com'],
    ['an IDN domain written in Unicode', 'fan@MÜLL.example'],
    ['the same IDN domain as punycode', 'fan@xn--mll-hoa.example'],
  ])('refuses a blocked domain written another way: %s (%s)', (_what, email) => {
    expect(strict({ email })).toMatchObject({ allowed: false, reason: 'blocked_email_domain' });
  });

  it.each([
    ['a person', { username: 'minnie', email: 'minnie.mouse@example.com' }],
    ['a name containing a reserved word', { email: 'administrative.minnie@example.com' }],
    ['a reserved word plus more', { username: 'admins-fan' }],
    ['accents in an ordinary name', { email: 'ångström@example.com' }],
    ['an apostrophe', { email: "o'brien@example.com" }],
    ['a non-Latin name', { email: 'ゆき@example.jp' }],
    ['a look-alike of a blocked domain', { email: 'fan@notmailinator.com' }],
    ['a blocked domain as a label of another', { email: 'fan@mailinator.com.evil.example' }],
    ['another IDN domain', { email: 'fan@xn--mxl-hoa.example' }],
    ['digits that spell nothing reserved', { username: 'fan1987' }],
  ])('lets %s through (%j)', (_what, candidate) => {
    expect(strict(candidate)).toEqual({ allowed: true });
  });
});
