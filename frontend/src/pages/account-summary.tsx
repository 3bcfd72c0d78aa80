import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { User } from '@liverty-music/gen/user/v1';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * "December 7, 2026", as `Intl.DateTimeFormat('en', { dateStyle: 'long' })` writes it. Not that
 * formatter: building the first one on a page loads ICU's date data (27–35 ms of main thread in a
 * fresh Chromium page on a busy machine), on the callback's path to "Your account is ready"
 * (decision 038).
 */
export function longDate(date: Date): string {
  return `${MONTHS[date.getMonth()]} ${date.getDate()}, ${date.getFullYear()}`;
}

/** The person's profile as liverty-music knows it, and where to change it. */
export function AccountSummary({
  user,
  accountUrl,
  onLogOut,
}: {
  user: User;
  /** The identity provider's self-service page (AppConfig.accountUrl). */
  accountUrl: string;
  onLogOut: () => void;
}) {
  const name = user.displayName || [user.givenName, user.familyName].filter(Boolean).join(' ');
  return (
    <section aria-labelledby="profile-heading" className="card">
      <h2 id="profile-heading">Your profile</h2>
      <dl>
        <dt>Name</dt>
        <dd>{name || 'Not shared by your identity provider'}</dd>
        <dt>Email</dt>
        <dd>
          {user.email ? (
            <>
              {user.email}{' '}
              <span className={user.emailVerified ? 'badge' : 'badge pending'}>
                {user.emailVerified ? 'verified' : 'not verified yet'}
              </span>
            </>
          ) : (
            'Not shared by your identity provider'
          )}
        </dd>
        {user.createdAt && (
          <>
            <dt>Member since</dt>
            <dd>{longDate(timestampDate(user.createdAt))}</dd>
          </>
        )}
      </dl>
      <p>
        Your name, email address, password and passkeys are kept by your identity provider.{' '}
        <a href={accountUrl}>Manage your account</a>
      </p>
      <button type="button" className="secondary" onClick={onLogOut}>
        Sign out
      </button>
    </section>
  );
}
