import { readFileSync } from 'node:fs';

/**
 * ZITADEL Login V2's strings, routes and test ids for the version docker-compose.yml pins, vendored
 * as data in zitadel-login-v2.json (its `source` names the files and commit they were read from).
 * The page object takes every text and route from here, by Login V2's own i18n keys, so a string
 * that is not in the pinned Login V2 cannot be typed into it; `npm test` checks the rest
 * (zitadel-login-pages.test.ts).
 */
export interface LoginV2PageFacts {
  component: string;
  textboxes: { label: string; required: boolean }[];
  checkboxes?: { testId: string; text: string; accessibleName: string | null }[];
  radios?: { names: string[]; preselected: string; testIds: string[] };
  buttons: string[];
  links?: string[];
  next?: Record<string, string>;
}

export interface LoginV2Facts {
  source: { repository: string; pinned: string; readAt: { commit: string } };
  basePath: string;
  routes: string[];
  requiredMarker: string;
  pages: Record<string, LoginV2PageFacts>;
  defaults: {
    PasswordComplexityPolicy: {
      MinLength: number;
      HasLowercase: boolean;
      HasUppercase: boolean;
      HasNumber: boolean;
      HasSymbol: boolean;
    };
  };
  messages: Record<string, unknown>;
}

export const LOGIN_V2: LoginV2Facts = JSON.parse(
  readFileSync(new URL('./zitadel-login-v2.json', import.meta.url), 'utf8'),
);

/** Login V2's English text for an i18n key such as `register.labels.firstname`. */
export function loginV2Text(key: string): string {
  let node: unknown = LOGIN_V2.messages;
  for (const part of key.split('.')) {
    node =
      typeof node === 'object' && node !== null
        ? (node as Record<string, unknown>)[part]
        : undefined;
  }
  if (typeof node !== 'string')
    throw new Error(`Login V2 ${LOGIN_V2.source.pinned} has no text "${key}"`);
  return node;
}

/** The path of a Login V2 route, checked against the pinned version's route folders. */
export function loginV2Path(route: string): string {
  if (!LOGIN_V2.routes.includes(route)) {
    throw new Error(`Login V2 ${LOGIN_V2.source.pinned} has no route ${route}`);
  }
  return `${LOGIN_V2.basePath}${route === '/' ? '' : route}`;
}
