import { addressOf, asciiDomain, hasInvisibleCharacters, skeleton } from './normalise-signup-names';

/**
 * Who may sign up: a username (or an email's local part) that names the product or an operator is
 * refused, and so is an address at a blocked domain. Everything else passes untouched.
 */

// Names a person could use to pass for the product or its staff.
export const DEFAULT_RESERVED_USERNAMES = [
  'admin',
  'administrator',
  'root',
  'support',
  'help',
  'security',
  'system',
  'staff',
  'moderator',
  'postmaster',
  'abuse',
  'webmaster',
  'hostmaster',
  'noreply',
  'no-reply',
  'zitadel',
  'liverty',
  'liverty-music',
  'livertymusic',
] as const;

// Throwaway-mailbox services: an account there cannot be recovered or reached.
export const DEFAULT_BLOCKED_EMAIL_DOMAINS = [
  'mailinator.com',
  'guerrillamail.com',
  'sharklasers.com',
  'yopmail.com',
  '10minutemail.com',
  'trashmail.com',
  'tempmail.com',
] as const;

export const RESERVED_USERNAME_MESSAGE =
  'This username is reserved. Choose another username or email address.';
export const BLOCKED_DOMAIN_MESSAGE =
  'Sign-ups with this email domain are not accepted. Use another email address.';
export const INVISIBLE_CHARACTERS_MESSAGE =
  'Usernames and email addresses may not contain invisible or formatting characters (such as zero-width spaces or text-direction marks). Type them again without.';

export interface SignupCandidate {
  username?: string | undefined;
  email?: string | undefined;
}

export type SignupRefusal = 'reserved_username' | 'blocked_email_domain' | 'invisible_characters';

export type SignupDecision =
  | { allowed: true }
  | { allowed: false; reason: SignupRefusal; message: string };

export interface SignupPolicyOptions {
  reservedUsernames: readonly string[];
  blockedEmailDomains: readonly string[];
}

/**
 * Judges a candidate as a mail system and a reader would read it (normalise-signup-names.ts,
 * docs/decisions/030): invisible characters are refused outright; a username, or an address's
 * mailbox (unquoted, without comments or a +tag), is reserved when it reads like a reserved name
 * (case, accents, separators, digits for letters and foreign look-alikes aside); an address's
 * domain (NFKC, case, IDN as punycode, trailing dot) is blocked with its subdomains.
 */
export function createSignupPolicy(options: SignupPolicyOptions) {
  const reserved = new Set(options.reservedUsernames.map(skeleton).filter(Boolean));
  const blocked = options.blockedEmailDomains.map(asciiDomain).filter(Boolean);
  const isBlockedDomain = (domain: string) =>
    blocked.some((entry) => domain === entry || domain.endsWith(`.${entry}`));
  const isReserved = (name: string | undefined) =>
    name !== undefined && reserved.has(skeleton(name));

  return (candidate: SignupCandidate): SignupDecision => {
    if (
      hasInvisibleCharacters(candidate.username ?? '') ||
      hasInvisibleCharacters(candidate.email ?? '')
    ) {
      return {
        allowed: false,
        reason: 'invisible_characters',
        message: INVISIBLE_CHARACTERS_MESSAGE,
      };
    }
    const email = candidate.email ? addressOf(candidate.email) : undefined;
    // A username that is itself an address (Login V2 uses the email) is judged by its mailbox.
    const username = candidate.username
      ? (addressOf(candidate.username)?.local ?? candidate.username)
      : undefined;
    if (isReserved(username) || isReserved(email?.local)) {
      return { allowed: false, reason: 'reserved_username', message: RESERVED_USERNAME_MESSAGE };
    }
    if (email !== undefined && isBlockedDomain(email.domain)) {
      return { allowed: false, reason: 'blocked_email_domain', message: BLOCKED_DOMAIN_MESSAGE };
    }
    return { allowed: true };
  };
}

export type SignupPolicy = ReturnType<typeof createSignupPolicy>;
