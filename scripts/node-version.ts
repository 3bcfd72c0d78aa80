// Which Node.js `npm start` runs on. package.json `engines` holds the oldest version the product is
// tested on (CI); .nvmrc the version its dependencies are built for (decision record 017).

function parse(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  return [major, minor, patch];
}

function older(a: string, b: string): boolean {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}

export type NodeVersionVerdict = { ok: true; notice?: string } | { ok: false; message: string };

/**
 * @param current process.versions.node
 * @param minimum from package.json engines (">=20.19")
 * @param recommended from .nvmrc ("22")
 */
export function judgeNodeVersion(
  current: string,
  minimum: string,
  recommended: string,
): NodeVersionVerdict {
  if (older(current, minimum)) {
    return {
      ok: false,
      message: `npm start needs Node.js ${minimum} or newer (package.json engines); this is v${current}. Install Node.js ${recommended} LTS: \`nvm install\` reads the version from .nvmrc.`,
    };
  }
  if (parse(current)[0] < parse(recommended)[0]) {
    return {
      ok: true,
      notice: `Node.js v${current}: works (CI runs it), but the local identity provider's oidc-provider 9 is built for Node.js ${recommended} LTS and logs "WARNING: Unsupported runtime" once in local-idp.log. Nothing is wrong; \`nvm use\` switches to Node.js ${recommended} (.nvmrc).`,
    };
  }
  return { ok: true };
}

/** ">=20.19" → "20.19". */
export function engineMinimum(range: string): string {
  const match = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  if (!match?.[1]) throw new Error(`package.json engines.node must read ">=X.Y", not "${range}"`);
  return match[1];
}
