import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type InteractionResults, type Provider } from 'oidc-provider';
import type { FieldProblem } from './form-parts';
import { readForm, sendHtml } from './http-io';
import { ANSWERED_PROMPTS } from './interaction-policy';
import { LOGIN_PATH_PREFIX, renderLoginPage, renderMessagePage } from './login-pages';
import { PASSWORD_POLICY_ERROR, unmetPasswordRules } from './password-policy';
import {
  checkRegistrationDetails,
  PASSWORD_MISMATCH_MESSAGE,
  type RegistrationDetails,
  type RegistrationField,
  readRegistrationDetails,
} from './registration-form';
import {
  type RegistrationPasswordPageModel,
  renderRegistrationPage,
  renderRegistrationPasswordPage,
} from './registration-pages';
import {
  REGISTRATION_FAILED_MESSAGE,
  SIGNUP_UNAVAILABLE_DETAIL,
  SignupStoppedError,
} from './signup-stopped';
import { UserAccountError } from './user-account-input';
import type { UserAccounts } from './user-accounts';

export const INVALID_CREDENTIALS_MESSAGE = 'Invalid email or password';
const LOCKED_MESSAGE = 'This account is locked. Contact an administrator.';
const INACTIVE_MESSAGE = 'This account is deactivated. Contact an administrator.';

// Re-rendered forms with an error answer 200 like ZITADEL's login UI: a 4xx document would show up
// as a console error in the browser, which end-to-end suites often treat as a failure.
const FORM_ERROR_STATUS = 200;

export interface InteractionDeps {
  provider: () => Provider;
  users: UserAccounts;
  log?: ((line: string) => void) | undefined;
}

const ROUTE = new RegExp(
  `^${LOGIN_PATH_PREFIX}/([A-Za-z0-9_-]+)(?:/(login|register|register/password|cancel))?/?$`,
);

export function isInteractionPath(pathname: string): boolean {
  return pathname === LOGIN_PATH_PREFIX || pathname.startsWith(`${LOGIN_PATH_PREFIX}/`);
}

function expiredPage(res: ServerResponse): void {
  sendHtml(
    res,
    400,
    renderMessagePage(
      'Sign-in request expired',
      'This sign-in request has expired or was already completed. Go back to the app and start again.',
    ),
  );
}

/** Everything a finished login/registration answers: the login itself plus the prompts we auto-resolve. */
function loggedInResult(accountId: string): InteractionResults {
  const result: InteractionResults = { login: { accountId, amr: ['pwd'] } };
  for (const prompt of ANSWERED_PROMPTS) result[prompt] = {};
  return result;
}

/**
 * The hosted login UI (ZITADEL's Login V2 lives under /ui/v2/login too): GET renders the login or
 * registration page for an oidc-provider interaction, POSTs log in, register or cancel and then hand
 * control back to oidc-provider, which redirects to the app.
 */
export async function handleInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: InteractionDeps,
): Promise<void> {
  const match = ROUTE.exec(url.pathname);
  const uid = match?.[1];
  const action = match?.[2];
  if (!uid || (action === undefined) !== (req.method === 'GET' || req.method === 'HEAD')) {
    sendHtml(res, 404, renderMessagePage('Not found', 'There is nothing here.'));
    return;
  }
  const provider = deps.provider();
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return expiredPage(res);
    throw error;
  }
  if (details.uid !== uid) return expiredPage(res);

  const finish = (result: InteractionResults) =>
    provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });

  if (action === undefined) {
    // Consent is implicit; when oidc-provider still asks (prompt=consent), answer it without a page.
    if (details.prompt.name === 'consent') return finish({ consent: {} });
    const requested = url.searchParams.get('view');
    const view =
      requested === 'register' || requested === 'login'
        ? requested
        : details.prompt.name === 'create'
          ? 'register'
          : 'login';
    if (view === 'register') {
      sendHtml(res, 200, renderRegistrationPage({ uid }));
    } else {
      // `email`: "Log in instead" on the registration page carries what the person typed there.
      const hint = url.searchParams.get('email') ?? details.params.login_hint;
      sendHtml(
        res,
        200,
        renderLoginPage({ uid, email: typeof hint === 'string' ? hint : undefined }),
      );
    }
    return;
  }

  const form = await readForm(req);
  if (action === 'cancel') {
    return finish({ error: 'access_denied', error_description: 'End-User aborted interaction' });
  }

  if (action === 'login') {
    const email = form.get('email') ?? '';
    const result = await deps.users.authenticate(email, form.get('password') ?? '');
    if (!result.ok) {
      const message =
        result.reason === 'locked'
          ? LOCKED_MESSAGE
          : result.reason === 'inactive'
            ? INACTIVE_MESSAGE
            : INVALID_CREDENTIALS_MESSAGE;
      sendHtml(res, FORM_ERROR_STATUS, renderLoginPage({ uid, email, error: message }));
      return;
    }
    return finish(loggedInResult(result.user.id));
  }

  return handleRegistration(
    res,
    uid,
    action as 'register' | 'register/password',
    form,
    deps,
    finish,
  );
}

/**
 * The two registration steps: `register` checks names, email, consents and method and answers
 * with the password step; `register/password` checks everything again (the first step's answers
 * come back as hidden fields), then the password, and creates the user. Every problem of a step
 * shows at once; what was typed comes back, except passwords.
 */
async function handleRegistration(
  res: ServerResponse,
  uid: string,
  action: 'register' | 'register/password',
  form: URLSearchParams,
  deps: InteractionDeps,
  finish: (result: InteractionResults) => Promise<void>,
): Promise<void> {
  const registration = readRegistrationDetails(form);
  const problems = checkRegistrationDetails(registration, deps.users);
  if (problems.length > 0) return firstStepAgain(res, uid, registration, problems);
  if (action === 'register') {
    // Like Login V2's /register/password: the second step carries the first step's answers.
    sendHtml(res, 200, renderRegistrationPasswordPage({ uid, details: registration }));
    return;
  }

  const password = form.get('password') ?? '';
  const unmetRules = unmetPasswordRules(password);
  const passwordStepAgain = (page: Partial<RegistrationPasswordPageModel>) =>
    sendHtml(
      res,
      FORM_ERROR_STATUS,
      renderRegistrationPasswordPage({ uid, details: registration, unmetRules, ...page }),
    );
  const passwordProblems: FieldProblem[] = [];
  if (unmetRules.length > 0)
    passwordProblems.push({ field: 'password', message: PASSWORD_POLICY_ERROR });
  if (password !== (form.get('confirmPassword') ?? ''))
    passwordProblems.push({ field: 'confirmPassword', message: PASSWORD_MISMATCH_MESSAGE });
  if (passwordProblems.length > 0) return passwordStepAgain({ problems: passwordProblems });

  let userId: string;
  try {
    const user = await deps.users.register({
      email: registration.email,
      givenName: registration.givenName,
      familyName: registration.familyName,
      password,
    });
    userId = user.id;
  } catch (error) {
    if (error instanceof SignupStoppedError) {
      // Login V2's text, no field marked: nothing the person typed is wrong.
      const detail = error.refused ? undefined : SIGNUP_UNAVAILABLE_DETAIL;
      return passwordStepAgain({ formProblem: { message: error.message, detail } });
    }
    if (error instanceof UserAccountError) {
      if (error.field === 'password' || error.field === 'confirmPassword') {
        return passwordStepAgain({ problems: [{ field: error.field, message: error.message }] });
      }
      // Another registration took the email meanwhile: back to the step that has the email field.
      const field = (error.field ?? 'email') as RegistrationField;
      return firstStepAgain(res, uid, registration, [{ field, message: error.message }]);
    }
    // Login V2 shows "Could not register user" when its own registration action throws.
    deps.log?.(`registration failed: ${(error as Error).stack ?? String(error)}`);
    return passwordStepAgain({ formProblem: { message: REGISTRATION_FAILED_MESSAGE } });
  }
  return finish(loggedInResult(userId));
}

function firstStepAgain(
  res: ServerResponse,
  uid: string,
  values: RegistrationDetails,
  problems: { field: RegistrationField; message: string }[],
): void {
  sendHtml(res, FORM_ERROR_STATUS, renderRegistrationPage({ uid, values, problems }));
}
