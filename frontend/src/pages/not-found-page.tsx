import { PageHeading } from './page-heading';

/** Any address the app does not have: said plainly, with the way back. */
export function NotFoundPage({ path }: { path: string }) {
  return (
    <main>
      <PageHeading>Page not found</PageHeading>
      <p>
        There is no page at <code>{path}</code>. The link may be old or mistyped.
      </p>
      <p>
        <a href="/">Go to the liverty-music start page</a>
      </p>
    </main>
  );
}
