import { type ReactNode, useEffect, useRef } from 'react';

/**
 * The page's h1, focused when it appears: a screen reader then announces where the person has
 * arrived (account ready, signed out, an error) instead of nothing, and Tab starts from here.
 */
export function PageHeading({ children }: { children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
