import {
  DUPLICATE_EMAIL_MESSAGE,
  requireEmail,
  requireName,
  UserAccountError,
  type UserAccounts,
} from './user-accounts.ts';

/**
 * What the first registration step collects and checks, the way Login V2's register form does with
 * ZITADEL's default settings: names and email, both legal consents (terms of service and privacy
 * policy are both set by zitadel-setup, so both are required), and the method, Passkey preselected.
 */
export type SignInMethod = 'passkey' | 'password';

export interface RegistrationDetails {
  email: string;
  givenName: string;
  familyName: string;
  tos: boolean;
  privacyPolicy: boolean;
  method: SignInMethod;
}

export type RegistrationField = keyof RegistrationDetails | 'password' | 'confirmPassword';

export interface RegistrationProblem {
  message: string;
  field: RegistrationField;
}

export const CONSENT_REQUIRED_MESSAGE =
  'Accept the Terms of Service and the Privacy Policy to create an account';
export const PASSKEY_UNAVAILABLE_MESSAGE =
  'Passkeys are not available on the local identity provider: choose Password';
export const PASSWORD_MISMATCH_MESSAGE = 'The passwords do not match';

/** The value a checked consent box submits. */
export const CONSENT_VALUE = 'accepted';

export function readRegistrationDetails(form: URLSearchParams): RegistrationDetails {
  return {
    email: form.get('email') ?? '',
    givenName: form.get('givenName') ?? '',
    familyName: form.get('familyName') ?? '',
    tos: form.get('tos') === CONSENT_VALUE,
    privacyPolicy: form.get('privacyPolicy') === CONSENT_VALUE,
    method: form.get('method') === 'password' ? 'password' : 'passkey',
  };
}

/** The details as form fields, to carry them from the first step to the second. */
export function registrationDetailsAsFields(details: RegistrationDetails): Record<string, string> {
  return {
    email: details.email,
    givenName: details.givenName,
    familyName: details.familyName,
    ...(details.tos ? { tos: CONSENT_VALUE } : {}),
    ...(details.privacyPolicy ? { privacyPolicy: CONSENT_VALUE } : {}),
    method: details.method,
  };
}

/** The first problem with the first step's input, in the order the fields appear; undefined if none. */
export function checkRegistrationDetails(
  details: RegistrationDetails,
  users: UserAccounts,
): RegistrationProblem | undefined {
  try {
    const email = requireEmail(details.email);
    requireName(details.givenName, 'givenName');
    requireName(details.familyName, 'familyName');
    if (users.findByEmail(email)) return { message: DUPLICATE_EMAIL_MESSAGE, field: 'email' };
  } catch (error) {
    if (!(error instanceof UserAccountError)) throw error;
    return { message: error.message, field: (error.field ?? 'email') as RegistrationField };
  }
  if (!details.tos) return { message: CONSENT_REQUIRED_MESSAGE, field: 'tos' };
  if (!details.privacyPolicy) return { message: CONSENT_REQUIRED_MESSAGE, field: 'privacyPolicy' };
  if (details.method !== 'password')
    return { message: PASSKEY_UNAVAILABLE_MESSAGE, field: 'method' };
  return undefined;
}
