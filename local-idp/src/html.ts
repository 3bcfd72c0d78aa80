/**
 * Minimal HTML templating for the server-rendered pages: a tagged template that escapes every
 * interpolated value unless it is already-built markup, so user input (emails, names, error text)
 * can never inject HTML.
 */
export interface SafeHtml {
  readonly value: string;
  toString(): string;
}

// Only markup made by this module skips escaping: a look-alike object is escaped like any text.
const madeHere = new WeakSet<object>();

/** Markup written in this package, never user input: interpolated as it is. */
export function trustedHtml(value: string): SafeHtml {
  const markup: SafeHtml = { value, toString: () => value };
  madeHere.add(markup);
  return markup;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

type Interpolation =
  | SafeHtml
  | string
  | number
  | boolean
  | undefined
  | null
  | readonly Interpolation[];

function isTrusted(value: Interpolation): value is SafeHtml {
  return typeof value === 'object' && value !== null && madeHere.has(value);
}

function render(value: Interpolation): string {
  if (value === undefined || value === null || value === false) return '';
  if (isTrusted(value)) return value.value;
  if (Array.isArray(value)) return value.map((item: Interpolation) => render(item)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return trustedHtml(out);
}
