import type { Page } from '@playwright/test';

/**
 * A stand-in for Playwright's Page that knows a login UI only as screens of controls (labels,
 * roles, accessible names, test ids) and what each button leads to. page-objects.test.ts drives
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

export class LoginUiModel {
  readonly actions: Action[] = [];
  #url: URL;
  #screen: Screen | undefined;

  constructor(
    private readonly origin: string,
    private readonly screens: Record<string, () => Screen>,
    startPath: string,
  ) {
    this.#url = new URL(startPath, origin);
    this.#screen = this.#open(startPath);
  }

  get path(): string {
    return this.#url.pathname;
  }

  /** The model typed as Playwright's Page (only what page objects call is implemented). */
  asPage(): Page {
    return this as unknown as Page;
  }

  url(): string {
    return this.#url.toString();
  }

  async waitForURL(match: RegExp | ((url: URL) => boolean)): Promise<void> {
    const ok = typeof match === 'function' ? match(this.#url) : match.test(this.#url.toString());
    // Nothing else will navigate: a URL that does not match now never will.
    if (!ok) throw new Error(`waited for a URL that never comes; the page is at ${this.path}`);
    this.actions.push({ type: 'wait', path: this.path });
  }

  getByLabel(text: string | RegExp, options: { exact?: boolean } = {}) {
    return this.#locator(
      `label ${text}`,
      (control) =>
        control.kind !== 'button' &&
        control.kind !== 'link' &&
        matches(control.name, text, options.exact),
    );
  }

  getByRole(role: ControlKind, options: { name?: string | RegExp; exact?: boolean } = {}) {
    return this.#locator(
      `${role} ${options.name ?? ''}`,
      (control) =>
        control.kind === role &&
        (options.name === undefined || matches(control.name, options.name, options.exact)),
    );
  }

  getByTestId(testId: string) {
    return this.#locator(`test id ${testId}`, (control) => control.testId === testId);
  }

  #open(path: string): Screen | undefined {
    return this.screens[path]?.();
  }

  #navigate(next: string) {
    this.#url = new URL(next, this.origin);
    this.#screen = this.#open(this.#url.pathname);
  }

  #locator(description: string, filter: (control: Control) => boolean) {
    const found = () => this.#screen?.controls.filter(filter) ?? [];
    const one = (): { control: Control; screen: Screen } => {
      const controls = found();
      if (controls.length !== 1 || !this.#screen) {
        throw new Error(
          `${description}: ${controls.length} controls match on ${this.path} (expected exactly one)`,
        );
      }
      return { control: controls[0] as Control, screen: this.#screen };
    };
    return {
      count: async () => found().length,
      first: () => this.#locator(description, (control) => control === found()[0]),
      fill: async (value: string) => {
        const { control } = one();
        if (control.kind !== 'textbox') throw new Error(`${description} is a ${control.kind}`);
        control.value = value;
        this.actions.push({ type: 'fill', path: this.path, name: control.name, value });
      },
      check: async () => {
        const { control, screen } = one();
        if (control.kind !== 'checkbox' && control.kind !== 'radio') {
          throw new Error(`${description} is a ${control.kind}`);
        }
        this.#select(control, screen);
        this.actions.push({ type: 'check', path: this.path, ...identify(control) });
      },
      click: async () => {
        const { control, screen } = one();
        this.actions.push({ type: 'click', path: this.path, ...identify(control) });
        if (control.kind === 'checkbox' || control.kind === 'radio') {
          this.#select(control, screen);
          return;
        }
        if (control.kind !== 'button' && control.kind !== 'link') {
          throw new Error(`${description} is a ${control.kind}`);
        }
        const outcome = screen.activate(control, screen);
        if ('refused' in outcome)
          throw new Error(`${control.name} on ${this.path}: ${outcome.refused}`);
        this.#navigate(outcome.next);
      },
    };
  }

  #select(control: Control, screen: Screen) {
    if (control.kind === 'radio') {
      for (const other of screen.controls) if (other.group === control.group) other.checked = false;
    }
    control.checked = true;
  }
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
