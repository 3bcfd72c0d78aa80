import { type ReactNode, useLayoutEffect, useRef } from 'react';

/**
 * The page's h1, focused when it appears: a screen reader then announces where the person has
 * arrived (account ready, signed out, an error) instead of nothing, and Tab starts from here.
 * Focused as the heading is committed, not after paint: a passive effect may run a frame later,
 * when a reader (or a test) has already found the heading without focus.
 */
export function PageHeading({ children }: { children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
