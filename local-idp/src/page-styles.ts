import { trustedHtml } from './html';

/**
 * The hosted pages' look. The colours and the font stack are the app's own, copied from
 * frontend/src/styles.css so the provider's pages and the app look like one site:
 * text #1d1b26 on #f6f4fb, white cards, primary #5b2bd6, errors #a4001d, focus ring #f0a500.
 * Two values are added here and are not in the app: the hint grey #5c5869 (6.9:1 on white, 6.3:1
 * on the page background; the browser's GrayText, #808080, is 3.9:1 and fails WCAG AA) and the
 * input border #6b6779 (5.5:1, above the 3:1 WCAG 1.4.11 asks of a control's outline).
 */
export const PALETTE = {
  text: '#1d1b26',
  background: '#f6f4fb',
  card: '#fff',
  primary: '#5b2bd6',
  error: '#a4001d',
  focus: '#f0a500',
  hint: '#5c5869',
  border: '#6b6779',
} as const;

export const FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const p = PALETTE;

// Trusted constant markup: passed through unescaped.
export const STYLES = trustedHtml(`
  :root { font-family: ${FONT_STACK}; color: ${p.text}; background: ${p.background}; line-height: 1.5; }
  body { margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
  .card { background: ${p.card}; border-radius: .75rem; padding: 1.5rem; box-shadow: 0 1px 3px rgb(0 0 0 / .12); }
  .dev-banner { font-size: .85rem; padding: .4rem .6rem; border: 1px dashed ${p.border}; border-radius: .5rem; margin: 0 0 1.5rem; color: ${p.hint}; }
  h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 1rem; }
  form { margin: 0; }
  .field { display: flex; flex-direction: column; gap: .3rem; margin-bottom: 1rem; }
  label { font-weight: 600; }
  input { font: inherit; color: inherit; background: ${p.card}; padding: .55rem .65rem; border: 1px solid ${p.border}; border-radius: .5rem; }
  input[aria-invalid="true"] { border: 2px solid ${p.error}; }
  .password-row { display: flex; flex-direction: column; align-items: flex-start; gap: .4rem; }
  .password-row input { align-self: stretch; }
  .hint { font-size: .9rem; margin: 0; color: ${p.hint}; }
  .error-summary { border: 2px solid ${p.error}; border-radius: .5rem; padding: .6rem .8rem; margin-bottom: 1rem; color: ${p.error}; }
  .error-summary p { margin: 0; font-weight: 600; }
  .error-summary .detail { font-weight: normal; margin-top: .3rem; }
  .error-summary ul { margin: .3rem 0 0; padding-left: 1.2rem; }
  .error-summary a, .field-error a { color: ${p.error}; }
  .field-error { color: ${p.error}; font-size: .9rem; font-weight: 600; margin: 0; }
  .actions { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin-top: 1.25rem; }
  button { font: inherit; padding: .6rem 1.2rem; border-radius: .5rem; cursor: pointer; border: 2px solid ${p.primary}; background: ${p.card}; color: ${p.primary}; }
  button.primary { background: ${p.primary}; color: #fff; }
  button.show-password { padding: .4rem .8rem; font-size: .9rem; }
  button[aria-pressed="true"] { background: ${p.primary}; color: #fff; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid ${p.focus}; outline-offset: 2px; }
  a { color: ${p.primary}; }
  .switch { margin: 1.5rem 0 0; }
  fieldset { border: 1px solid ${p.border}; border-radius: .5rem; margin: 0 0 1rem; padding: .6rem .8rem; }
  fieldset.invalid { border: 2px solid ${p.error}; }
  legend { font-weight: 600; padding: 0 .3rem; }
  .choice { display: flex; gap: .5rem; align-items: center; margin: .35rem 0; }
  .choice label { font-weight: normal; }
  .rules { margin: .2rem 0 0; padding-left: 1.2rem; }
  .rules .unmet { color: ${p.error}; }
  dt { font-weight: 600; }
  dd { margin: 0 0 .5rem; }
`);
