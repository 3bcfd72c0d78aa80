/** What a visitor sees when the app cannot read its configuration. */
export function StartupError({ error }: { error: unknown }) {
  return (
    <main>
      <h1>liverty-music cannot start</h1>
      <p role="alert">
        The app's configuration could not be loaded:{' '}
        {error instanceof Error ? error.message : String(error)}
      </p>
      <button type="button" onClick={() => window.location.reload()}>
        Try again
      </button>
    </main>
  );
}
