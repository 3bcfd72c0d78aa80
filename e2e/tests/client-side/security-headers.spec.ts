import { expect, newPerson, test } from '../../support/fixtures';

// Issue 12, item 10: a Content-Security-Policy, no framing and no referrer, from nginx and from
// `vite preview` alike (both take them from frontend/docker/security-headers.sh), with the SPA
// working under them. The whole suite runs under these headers: any violation logs a console
// error, which fails a journey.

/** CSP directives by name, e.g. connect-src → ["'self'", "http://…"]. */
function directives(policy: string | null): Map<string, string[]> {
  return new Map(
    (policy ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

/** What the SPA may call: itself, and the API and issuer this deployment's config.json names. */
async function allowedConnections(appUrl: string): Promise<string[]> {
  const config = (await (await fetch(`${appUrl}/config.json`)).json()) as {
    apiBaseUrl: string;
    oidcAuthority: string;
    oidcMetadata?: { token_endpoint?: string };
  };
  const origins = new Set([
    new URL(config.apiBaseUrl).origin,
    new URL(config.oidcAuthority).origin,
  ]);
  if (config.oidcMetadata?.token_endpoint) {
    origins.add(new URL(config.oidcMetadata.token_endpoint).origin);
  }
  return ["'self'", ...origins].sort();
}

test.describe('security headers', () => {
  test('pages, scripts and config.json carry the policy, for this deployment’s API and issuer', async ({
    stack,
  }) => {
    const connect = await allowedConnections(stack.appUrl);
    const landing = await (await fetch(stack.appUrl)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(landing)?.[1];
    expect(script).toBeDefined();
    for (const path of ['/', '/callback', '/config.json', script ?? '']) {
      const response = await fetch(`${stack.appUrl}${path}`);
      expect(response.status, path).toBe(200);
      const policy = directives(response.headers.get('content-security-policy'));
      expect(policy.get('default-src'), path).toEqual(["'none'"]);
      expect(policy.get('script-src'), path).toEqual(["'self'"]);
      expect(policy.get('connect-src')?.sort(), path).toEqual(connect);
      expect(policy.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  test.describe('enforced by the browser', () => {
    test.use({ allowConsoleErrors: [/Content Security Policy/] });

    test('the app cannot call another origin, and no page can frame it', async ({ app, page }) => {
      await app.open();
      await expect(page.getByRole('button', { name: 'Sign up' })).toBeVisible();
      const outcome = await page.evaluate(async () => {
        const violation = new Promise<string>((resolve) =>
          document.addEventListener('securitypolicyviolation', (event) =>
            resolve(event.effectiveDirective),
          ),
        );
        const fetched = await fetch('https://example.com/').then(
          () => 'answered',
          () => 'refused',
        );
        return [fetched, await violation];
      });
      expect(outcome).toEqual(['refused', 'connect-src']);

      // The app loads at its address (above), yet framed Chromium shows its error page instead.
      await page.setContent(`<iframe title="framed app" src="${app.url}"></iframe>`);
      await expect
        .poll(() => page.frames().map((frame) => frame.url()))
        .toContain('chrome-error://chromewebdata/');
      await expect(
        page.frameLocator('iframe').getByRole('button', { name: 'Sign up' }),
      ).toHaveCount(0);
    });
  });

  test('a signup runs under the policy without a single violation', async ({
    app,
    idp,
    context,
  }) => {
    await context.addInitScript(() => {
      const violations: string[] = [];
      Object.assign(window, { violations });
      document.addEventListener('securitypolicyviolation', (event) =>
        violations.push(`${event.effectiveDirective} ${event.blockedURI}`),
      );
    });
    await app.open();
    const callback = app.page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/callback',
    );
    await app.signUp();
    await idp.register(newPerson('csp'));
    expect((await callback).headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(app.heading('Your account is ready')).toBeVisible();
    expect(
      await app.page.evaluate(() => (window as unknown as { violations: string[] }).violations),
    ).toEqual([]);
  });
});
