import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { backendUnderTest } from './support/backend-under-test';
import { newUserId } from './support/zitadel-events';

interface Line {
  level: number;
  msg: string;
  userId?: string;
  created?: boolean;
  inserted?: boolean;
  isRegistration?: boolean;
}

// What an operator sees of the user service: an info line when an account is claimed, when a
// client says it is registering, and when GetMe provisions a row (a returning user's sign-in
// logs nothing); every GetOrCreate timed and every failure counted (the alerts read both).
describe('GetOrCreate and GetMe, observed', () => {
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const backend = backendUnderTest({ server: { logger } });
  const bearer = async (sub: string) => ({
    headers: { authorization: `Bearer ${await backend.issuer.issue({ sub })}` },
  });

  it('logs a claim and a signup callback, not a returning user’s sign-in', async () => {
    const headers = await bearer(newUserId());
    const claimed = await backend.server.client().getOrCreate({}, headers);
    await backend.server.client().getOrCreate({ isRegistration: true }, headers);
    await backend.server.client().getOrCreate({ isRegistration: false }, headers);
    const logged = lines.filter((line) => line.userId === claimed.user?.id);
    expect(logged).toMatchObject([
      { level: 30, created: true, inserted: true, isRegistration: false },
      { level: 30, created: false, inserted: false, isRegistration: true },
    ]);
    expect(logged).toHaveLength(2);
    expect(logged[0]?.msg).toMatch(/claimed/);
    expect(logged[1]?.msg).toMatch(/signup/);
  });

  it('logs a row GetMe provisions, once', async () => {
    const headers = await bearer(newUserId());
    const { user } = await backend.server.client().getMe({}, headers);
    await backend.server.client().getMe({}, headers);
    const logged = lines.filter((line) => line.userId === user?.id);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, msg: expect.stringMatching(/provisioned/) });
  });

  it('times every GetOrCreate and counts a failed one by the code the client sees', async () => {
    const read = async () => {
      const body = await (await fetch(backend.server.metricsUrl)).text();
      const value = (series: string) =>
        Number(
          body
            .split('\n')
            .find((line) => line.startsWith(`${series} `))
            ?.split(' ')[1] ?? 0,
        );
      return [
        value('liverty_get_or_create_duration_seconds_count'),
        value('liverty_get_or_create_errors_total{code="unauthenticated"}'),
      ];
    };
    const before = await read();
    await backend.server.client().getOrCreate({}, await bearer(newUserId()));
    await backend.server
      .client()
      .getOrCreate({}, { headers: { authorization: 'Bearer nope' } })
      .catch(() => undefined);
    const after = await read();
    expect(after.map((value, index) => value - (before[index] ?? 0))).toEqual([2, 1]);
  });
});
