import { html, SafeHtml } from './html.ts';

// Trusted constant markup: passed through unescaped.
const STYLES = new SafeHtml(`
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { width: min(26rem, calc(100vw - 2rem)); padding: 2rem 0; }
  .dev-banner { font-size: .8rem; padding: .4rem .6rem; border: 1px dashed GrayText; border-radius: .4rem; margin-bottom: 1.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  form { margin: 0; }
  .field { display: flex; flex-direction: column; gap: .3rem; margin-bottom: 1rem; }
  label { font-weight: 600; }
  input { font: inherit; padding: .55rem .65rem; border: 1px solid GrayText; border-radius: .4rem; }
  input[aria-invalid="true"] { border-color: #c62828; outline-color: #c62828; }
  .hint { font-size: .85rem; margin: 0; color: GrayText; }
  .error-summary { border: 2px solid #c62828; border-radius: .4rem; padding: .6rem .8rem; margin-bottom: 1rem; color: #c62828; font-weight: 600; }
  .field-error { color: #c62828; font-size: .85rem; margin: 0; }
  .actions { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin-top: 1.25rem; }
  button { font: inherit; padding: .55rem 1.1rem; border-radius: .4rem; cursor: pointer; border: 1px solid GrayText; }
  button.primary { background: #3949ab; color: #fff; border-color: #3949ab; }
  .switch { margin-top: 1.5rem; }
  fieldset { border: 1px solid GrayText; border-radius: .4rem; margin: 0 0 1rem; padding: .6rem .8rem; }
  legend { font-weight: 600; padding: 0 .3rem; }
  .choice { display: flex; gap: .5rem; align-items: center; margin: .35rem 0; }
  .choice label { font-weight: normal; }
  .rules { margin: .2rem 0 0; padding-left: 1.2rem; }
  .rules .unmet { color: #c62828; }
`);

/** Shared page chrome; every page states that it is a local development IdP, not ZITADEL. */
export function renderPage(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>${title} – Liverty Music (local IdP)</title>
  <style>${STYLES}</style>
</head>
<body>
  <main>
    <p class="dev-banner" role="note">Local development identity provider (dev-only). Not for real accounts.</p>
    ${body}
  </main>
</body>
</html>
`.value;
}
