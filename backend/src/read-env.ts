import type { z } from 'zod';

// Reading the environment against a schema, and reporting every problem at once: the part of
// configuration that is the same for the server (config.ts) and the sync commands.

/** Thrown with every problem at once, so a misconfigured start names all of them. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseEnv<T>(schema: z.ZodType<T>, env: Record<string, string | undefined>): T {
  // An empty variable means "not set": compose files and shells often export KEY= .
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = present[name];
      return value === undefined && issue.code !== 'custom'
        ? `${name} is missing`
        : `${name} ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid configuration:\n  - ${problems.join('\n  - ')}\nSee backend/.env.example.`,
    );
  }
  return result.data;
}

/** For entry points: print every configuration problem and exit 1 instead of a stack trace. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
