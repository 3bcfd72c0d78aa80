import { z } from 'zod';

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
    .optional(),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  OIDC_ISSUER: httpUrl.transform((url) => url.replace(/\/+$/, '')),
  OIDC_AUDIENCE: commaList.pipe(z.array(z.string()).min(1, 'must name at least one audience')),
  CORS_ORIGINS: commaList.pipe(z.array(z.url({ error: 'each origin must be a URL' }))).default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

/** Thrown with every problem at once, so a misconfigured start names all of them. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set": compose files and shells often export KEY= .
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = present[name];
      return value === undefined ? `${name} is missing` : `${name} ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid configuration:\n  - ${problems.join('\n  - ')}\nSee backend/.env.example.`,
    );
  }
  return result.data;
}
