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

export interface SignupCandidate {
  username?: string | undefined;
  email?: string | undefined;
}

export type SignupDecision =
  | { allowed: true }
  | { allowed: false; reason: 'reserved_username' | 'blocked_email_domain'; message: string };

export interface SignupPolicyOptions {
  reservedUsernames: readonly string[];
  blockedEmailDomains: readonly string[];
}

// NFKC folds look-alike forms (full-width letters, ligatures) into the plain letters they show,
// so "ａｄｍｉｎ" is as reserved as "admin".
const fold = (value: string) => value.normalize('NFKC').trim().toLowerCase();

/** `admin+news@x` is still admin's mailbox at most providers: compare without the +tag. */
function localPartOf(email: string): { local: string; domain: string } | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  const local = email.slice(0, at);
  const plus = local.indexOf('+');
  return {
    local: plus > 0 ? local.slice(0, plus) : local,
    domain: email.slice(at + 1).replace(/\.+$/, ''),
  };
}

export function createSignupPolicy(options: SignupPolicyOptions) {
  const reserved = new Set(options.reservedUsernames.map(fold).filter(Boolean));
  const blocked = options.blockedEmailDomains.map(fold).filter(Boolean);
  const isBlockedDomain = (domain: string) =>
    blocked.some((entry) => domain === entry || domain.endsWith(`.${entry}`));

  return (candidate: SignupCandidate): SignupDecision => {
    const email = candidate.email ? localPartOf(fold(candidate.email)) : undefined;
    // A username that is itself an address (Login V2 uses the email) is judged by its local part.
    const username = candidate.username ? fold(candidate.username) : undefined;
    const usernameLocal = username?.includes('@') ? localPartOf(username)?.local : username;
    if (
      (usernameLocal !== undefined && reserved.has(usernameLocal)) ||
      (email !== undefined && reserved.has(email.local))
    ) {
      return { allowed: false, reason: 'reserved_username', message: RESERVED_USERNAME_MESSAGE };
    }
    if (email !== undefined && isBlockedDomain(email.domain)) {
      return { allowed: false, reason: 'blocked_email_domain', message: BLOCKED_DOMAIN_MESSAGE };
    }
    return { allowed: true };
  };
}

export type SignupPolicy = ReturnType<typeof createSignupPolicy>;
