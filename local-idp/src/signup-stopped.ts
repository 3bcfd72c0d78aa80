import { UserAccountError } from './user-account-input';

/**
 * What Login V2 shows (v4.16, `errors.couldNotCreateUser` since ZITADEL #12338) when AddHumanUser
 * fails, which a refusing or failing target makes it do; the target's message is logged, not shown.
 */
export const CREATE_USER_FAILED_MESSAGE = 'Could not create user';
/** What Login V2 shows only when its own registration action throws (docs/decisions/034). */
export const REGISTRATION_FAILED_MESSAGE = 'Could not register user';

/**
 * A registration the AddHumanUser execution stopped: `refused` when the target answered a
 * forwarded 4xx (the signup policy said no), otherwise it could not answer (unreachable, timeout,
 * non-2xx, a forwarded 5xx, an unreadable answer). No field is to blame either way.
 */
export class SignupStoppedError extends UserAccountError {
  constructor(readonly refused: boolean) {
    super('failed_precondition', CREATE_USER_FAILED_MESSAGE);
    this.name = 'SignupStoppedError';
  }
}

/**
 * This provider's one addition to Login V2's text, shown only when the target could not answer:
 * the person learns that trying again later may work, where a refusal would not.
 */
export const SIGNUP_UNAVAILABLE_DETAIL =
  'The sign-up check is not answering right now, so nothing was saved. Try again in a few minutes.';
