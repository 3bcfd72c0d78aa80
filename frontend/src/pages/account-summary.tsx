import type { User } from '@liverty-music/gen/user/v1';

export function AccountSummary({ user, onLogOut }: { user: User; onLogOut: () => void }) {
  return (
    <section aria-label="Your account" className="card">
      <p>
        Signed in as <strong>{user.displayName || user.email || user.zitadelUserId}</strong>
      </p>
      <dl>
        <dt>Email</dt>
        <dd>{user.email || '—'}</dd>
        <dt>App user id</dt>
        <dd>
          <code>{user.id}</code>
        </dd>
      </dl>
      <button type="button" onClick={onLogOut}>
        Log out
      </button>
    </section>
  );
}
