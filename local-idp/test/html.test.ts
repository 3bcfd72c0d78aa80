// The page templates' one safety rule: text is escaped, markup passes only when this package made it.
import { describe, expect, it } from 'vitest';
import { html, type SafeHtml, trustedHtml } from '../src/html';

describe('html', () => {
  it('escapes interpolated text and keeps markup built with html or trustedHtml', () => {
    const name = '<script>alert("x")</script>';
    const page = html`<p>${name}</p>${html`<b>${'&'}</b>`}${trustedHtml('<hr>')}`;
    expect(page.value).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p><b>&amp;</b><hr>',
    );
  });

  it('escapes an object that only looks like markup', () => {
    const lookalike: SafeHtml = { value: '<img src=x onerror=alert(1)>', toString: () => '<img>' };
    expect(html`${lookalike}`.value).toBe('&lt;img&gt;');
  });
});
