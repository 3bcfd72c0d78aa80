import {
  DUPLICATE_EMAIL_MESSAGE,
  requireEmail,
  requireName,
  UserAccountError,
} from './user-account-input';
import type { UserAccounts } from './user-accounts';

/**
 * What the first registration step collects and checks, the way Login V2's register form does with
 * ZITADEL's default settings: names and email, both legal consents (terms of service and privacy
 * policy are both set by zitadel-setup, so both are required), and the method. Login V2 preselects
 * Passkey; this provider preselects Password, the only method it has (docs/decisions/034).
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

// The dedicated messages of the consent boxes, one per box so each says what it needs.
export const TOS_REQUIRED_MESSAGE = 'Accept the Terms of Service to create an account';
export const PRIVACY_POLICY_REQUIRED_MESSAGE = 'Accept the Privacy Policy to create an account';

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
    // Only an explicit choice of Passkey selects it: Password is preselected here.
    method: form.get('method') === 'passkey' ? 'passkey' : 'password',
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

/** Every problem with the first step's input, in the order the fields appear; empty if none. */
export function checkRegistrationDetails(
  details: RegistrationDetails,
  users: UserAccounts,
): RegistrationProblem[] {
  const problems: RegistrationProblem[] = [];
  const check = (run: () => void) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof UserAccountError)) throw error;
      problems.push({
        message: error.message,
        field: (error.field ?? 'email') as RegistrationField,
      });
    }
  };
  check(() => {
    if (users.findByEmail(requireEmail(details.email)))
      problems.push({ message: DUPLICATE_EMAIL_MESSAGE, field: 'email' });
  });
  check(() => requireName(details.givenName, 'givenName'));
  check(() => requireName(details.familyName, 'familyName'));
  if (!details.tos) problems.push({ message: TOS_REQUIRED_MESSAGE, field: 'tos' });
  if (!details.privacyPolicy)
    problems.push({ message: PRIVACY_POLICY_REQUIRED_MESSAGE, field: 'privacyPolicy' });
  if (details.method !== 'password')
    problems.push({ message: PASSKEY_UNAVAILABLE_MESSAGE, field: 'method' });
  return problems;
}
