import type { Page } from '@playwright/test';

/**
 * A stand-in for Playwright's Page that knows a login UI only as screens of controls (labels,
 * roles, accessible names, test ids) and what each button leads to. The pages/*.test.ts drive
 * the page objects through it: a locator that matches nothing, matches two controls, or clicks a
 * disabled button fails the way Playwright would, without a browser, a server or Docker.
 */
export type ControlKind = 'textbox' | 'checkbox' | 'radio' | 'button' | 'link';

export interface Control {
  kind: ControlKind;
  /** The accessible name; null when the control has none (Login V2's consent checkboxes). */
  name: string | null;
  testId?: string;
  /** Radio group. */
  group?: string;
  value: string;
  checked: boolean;
}

export interface Screen {
  path: string;
  controls: Control[];
  /** What activating a button or link does: the path of the next screen, or why it cannot. */
  activate(control: Control, screen: Screen): { next: string } | { refused: string };
}

export type Action =
  | { type: 'fill'; path: string; name: string | null; value: string }
  | {
      type: 'check' | 'click';
      path: string;
      kind: ControlKind;
      name: string | null;
      testId?: string;
    }
  | { type: 'wait'; path: string };

export function createLoginUiModel(
  origin: string,
  screens: Record<string, () => Screen>,
  startPath: string,
) {
  const actions: Action[] = [];
  let url = new URL(startPath, origin);
  let current: Screen | undefined = screens[startPath]?.();

  function navigate(next: string) {
    url = new URL(next, origin);
    current = screens[url.pathname]?.();
  }

  function select(control: Control, screen: Screen) {
    if (control.kind === 'radio') {
      for (const other of screen.controls) if (other.group === control.group) other.checked = false;
    }
    control.checked = true;
  }

  function locator(description: string, filter: (control: Control) => boolean): Locator {
    const found = () => current?.controls.filter(filter) ?? [];
    const one = (): { control: Control; screen: Screen } => {
      const controls = found();
      if (controls.length !== 1 || !current) {
        throw new Error(
          `${description}: ${controls.length} controls match on ${url.pathname} (expected exactly one)`,
        );
      }
      return { control: controls[0] as Control, screen: current };
    };
    return {
      count: async () => found().length,
      first: () => locator(description, (control) => control === found()[0]),
      fill: async (value: string) => {
        const { control } = one();
        if (control.kind !== 'textbox') throw new Error(`${description} is a ${control.kind}`);
        control.value = value;
        actions.push({ type: 'fill', path: url.pathname, name: control.name, value });
      },
      check: async () => {
        const { control, screen } = one();
        if (control.kind !== 'checkbox' && control.kind !== 'radio') {
          throw new Error(`${description} is a ${control.kind}`);
        }
        select(control, screen);
        actions.push({ type: 'check', path: url.pathname, ...identify(control) });
      },
      click: async () => {
        const { control, screen } = one();
        actions.push({ type: 'click', path: url.pathname, ...identify(control) });
        if (control.kind === 'checkbox' || control.kind === 'radio') {
          select(control, screen);
          return;
        }
        if (control.kind !== 'button' && control.kind !== 'link') {
          throw new Error(`${description} is a ${control.kind}`);
        }
        const outcome = screen.activate(control, screen);
        if ('refused' in outcome)
          throw new Error(`${control.name} on ${url.pathname}: ${outcome.refused}`);
        navigate(outcome.next);
      },
    };
  }

  const model = {
    actions,
    get path(): string {
      return url.pathname;
    },
    /** The model typed as Playwright's Page (only what page objects call is implemented). */
    asPage: (): Page => model as unknown as Page,
    url: (): string => url.toString(),
    async waitForURL(match: RegExp | ((url: URL) => boolean)): Promise<void> {
      const ok = typeof match === 'function' ? match(url) : match.test(url.toString());
      // Nothing else will navigate: a URL that does not match now never will.
      if (!ok) throw new Error(`waited for a URL that never comes; the page is at ${url.pathname}`);
      actions.push({ type: 'wait', path: url.pathname });
    },
    getByLabel: (text: string | RegExp, options: { exact?: boolean } = {}) =>
      locator(
        `label ${text}`,
        (control) =>
          control.kind !== 'button' &&
          control.kind !== 'link' &&
          matches(control.name, text, options.exact),
      ),
    getByRole: (role: ControlKind, options: { name?: string | RegExp; exact?: boolean } = {}) =>
      locator(
        `${role} ${options.name ?? ''}`,
        (control) =>
          control.kind === role &&
          (options.name === undefined || matches(control.name, options.name, options.exact)),
      ),
    getByTestId: (testId: string) =>
      locator(`test id ${testId}`, (control) => control.testId === testId),
  };
  return model;
}

export type LoginUiModel = ReturnType<typeof createLoginUiModel>;

/** What the model's locators offer: the part of Playwright's Locator the page objects use. */
interface Locator {
  count(): Promise<number>;
  first(): Locator;
  fill(value: string): Promise<void>;
  check(): Promise<void>;
  click(): Promise<void>;
}

function identify(control: Control) {
  return {
    kind: control.kind,
    name: control.name,
    ...(control.testId ? { testId: control.testId } : {}),
  };
}

/** Playwright's name matching: substring and case-insensitive unless exact; a RegExp as given. */
function matches(name: string | null, expected: string | RegExp, exact = false): boolean {
  if (name === null) return false;
  const normalized = name.replace(/\s+/g, ' ').trim();
  if (expected instanceof RegExp) return expected.test(normalized);
  return exact
    ? normalized === expected
    : normalized.toLowerCase().includes(expected.toLowerCase());
}

export function control(
  kind: ControlKind,
  name: string | null,
  extra: Partial<Pick<Control, 'testId' | 'group' | 'checked'>> = {},
): Control {
  return { kind, name, value: '', checked: false, ...extra };
}
