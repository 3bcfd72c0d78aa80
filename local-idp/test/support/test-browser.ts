/**
 * A tiny fetch-based "browser" for driving the hosted pages over real HTTP: a cookie jar with path
 * matching, manual redirects that stop at the first URL outside the IdP (the app's redirect URI is
 * never fetched), and helpers to read and submit the server-rendered forms.
 */

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export interface PageResult {
  kind: 'page';
  url: URL;
  status: number;
  html: string;
  headers: Headers;
}

export interface LeftIdpResult {
  kind: 'left-idp';
  /** The redirect target outside the IdP (e.g. the app's callback with `code` and `state`). */
  location: URL;
}

export type NavigationResult = PageResult | LeftIdpResult;

export interface ParsedForm {
  action: string;
  method: string;
  inputs: Record<string, string>;
}

export function decodeEntities(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const tag = match[1] ?? '';
    const inputs: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], 'name');
      const type = attribute(input[0], 'type')?.toLowerCase();
      // Like a browser: an unchecked checkbox or radio button submits nothing.
      const unchecked =
        (type === 'checkbox' || type === 'radio') && !/\schecked(?=[\s>])/i.test(input[0]);
      if (name && !unchecked) inputs[name] = attribute(input[0], 'value') ?? '';
    }
    forms.push({
      action: attribute(` ${tag}`, 'action') ?? '',
      method: (attribute(` ${tag}`, 'method') ?? 'get').toLowerCase(),
      inputs,
    });
  }
  return forms;
}

/**
 * The visible text of the element with role="alert", if any: every message in it (a summary lists
 * one per field), tags dropped and white space collapsed as a browser shows them.
 */
export function alertText(html: string): string | undefined {
  const match =
    /<div\b[^>]*role="alert"[^>]*>([\s\S]*?)<\/div>/i.exec(html) ??
    /<[^>]+role="alert"[^>]*>([\s\S]*?)<\/[a-z]+>/i.exec(html);
  return match?.[1] === undefined
    ? undefined
    : decodeEntities(
        match[1]
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      );
}

export type TestBrowser = ReturnType<typeof createTestBrowser>;

export function createTestBrowser(idpOrigin: string) {
  const origin = new URL(idpOrigin).origin;
  const cookies = new Map<string, StoredCookie>();

  function cookieHeader(url: URL): string {
    return [...cookies.values()]
      .filter(
        (cookie) =>
          url.pathname === cookie.path ||
          url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`),
      )
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  function store(header: string): void {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    let path = '/';
    let expired = value === '';
    for (const attr of attributes) {
      const [key = '', attrValue = ''] = attr.split('=');
      if (key.toLowerCase() === 'path') path = attrValue || '/';
      if (key.toLowerCase() === 'expires' && Date.parse(attrValue) <= Date.now()) expired = true;
      if (key.toLowerCase() === 'max-age' && Number(attrValue) <= 0) expired = true;
    }
    const key = `${name}|${path}`;
    if (expired) cookies.delete(key);
    else cookies.set(key, { name, value, path });
  }

  async function send(
    url: URL,
    method: string,
    body: URLSearchParams | undefined,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    const cookie = cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      ...(body ? { body: body.toString() } : {}),
    });
    for (const header of response.headers.getSetCookie()) store(header);
    return response;
  }

  /** Starts at `url` and follows redirects while they stay on the IdP. */
  async function navigate(
    url: string | URL,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<NavigationResult> {
    let current = new URL(url);
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: URLSearchParams | undefined = init.form ? new URLSearchParams(init.form) : undefined;
    for (let hop = 0; hop < 20; hop += 1) {
      if (current.origin !== origin) return { kind: 'left-idp', location: current };
      const response = await send(current, method, body);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        current = new URL(location, current);
        if (response.status !== 307 && response.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const html = await response.text();
      const page: PageResult = {
        kind: 'page',
        url: current,
        status: response.status,
        html,
        headers: response.headers,
      };
      // Pages that submit themselves with script (oidc-provider's form_post, our logout page).
      if (html.includes('document.forms[0].submit()')) {
        const [form] = parseForms(html);
        if (!form) return page;
        current = new URL(form.action, current);
        method = 'POST';
        body = new URLSearchParams(form.inputs);
        continue;
      }
      return page;
    }
    throw new Error('too many redirects');
  }

  return {
    cookieNames: (): string[] => [...cookies.values()].map((cookie) => cookie.name),
    navigate,
    /** Submits the form on `page` whose action ends with `actionSuffix`, with extra field values. */
    submit(
      page: PageResult,
      actionSuffix: string,
      fields: Record<string, string> = {},
    ): Promise<NavigationResult> {
      const form = parseForms(page.html).find((candidate) =>
        candidate.action.endsWith(actionSuffix),
      );
      if (!form) throw new Error(`no form with action ending in ${actionSuffix} on ${page.url}`);
      return navigate(new URL(form.action, page.url), {
        method: 'POST',
        form: { ...form.inputs, ...fields },
      });
    },
  };
}
