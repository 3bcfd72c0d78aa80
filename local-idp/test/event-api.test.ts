import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index.ts';
import { newTestUser, registerViaPromptCreate } from './support/oidc-client.ts';
import { makeTempDataDir, startTestIdp } from './support/temp-data-dir.ts';

interface ApiEvent {
  editor: { userId: string; displayName: string; service: string };
  aggregate: { id: string; type: { type: string }; resourceOwner: string };
  sequence: string;
  creationDate: string;
  payload?: Record<string, unknown>;
  type: { type: string };
}

async function search(idp: LocalIdp, body: unknown, pat = idp.adminPat) {
  const response = await fetch(new URL('/admin/v1/events/_search', idp.issuer), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(pat ? { authorization: `Bearer ${pat}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { events: ApiEvent[]; code?: number; message?: string },
  };
}

describe('event log and Event API', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;
  let dataDir: string;
  let registeredId: string;
  const registered = newTestUser('events');

  beforeAll(async () => {
    ({ idp, stop, dataDir } = await startTestIdp());
    await registerViaPromptCreate(idp, registered);
    registeredId = idp.users.findByEmail(registered.email)?.id ?? '';
    const second = await idp.users.create({ ...newTestUser('events2'), emailVerified: true });
    await idp.users.update(second.id, { givenName: 'Ren' });
    idp.users.lock(second.id);
  });
  afterAll(() => stop());

  it('records a registration as user.human.added with sequence 1 and no password hash', () => {
    const [added, ...rest] = idp.events.all().filter((event) => event.aggregateId === registeredId);
    expect(rest).toEqual([]);
    expect(added).toMatchObject({
      aggregateId: registeredId,
      aggregateType: 'user',
      resourceOwner: idp.orgId,
      instanceId: idp.instanceId,
      sequence: 1,
      type: 'user.human.added',
      editor: { userId: '336500000000000002', displayName: 'login-client' },
      payload: {
        userName: registered.email,
        firstName: 'Yuki',
        lastName: 'Tanaka',
        displayName: 'Yuki Tanaka',
        email: registered.email,
        preferredLanguage: 'en',
      },
    });
    expect(added?.creationDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const file = readFileSync(join(dataDir, 'events.jsonl'), 'utf8');
    expect(file).not.toContain('scrypt');
    expect(file).not.toContain(registered.password);
    expect(file).not.toMatch(/encodedHash|passwordHash/);
  });

  it('rejects a missing or wrong PAT like ZITADEL (401, code 16)', async () => {
    const missing = await search(idp, {}, '');
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe(16);
    const wrong = await search(idp, {}, `${idp.adminPat}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: 16, message: expect.any(String) });
  });

  it('returns newest first by default, in ZITADEL shape', async () => {
    const { status, body } = await search(idp, {});
    expect(status).toBe(200);
    expect(body.events).toHaveLength(idp.events.all().length);
    const dates = body.events.map((event) => event.creationDate);
    expect([...dates].sort().reverse()).toEqual(dates);
    const added = body.events.find((event) => event.aggregate.id === registeredId);
    expect(added).toEqual({
      editor: {
        userId: '336500000000000002',
        displayName: 'login-client',
        service: 'zitadel.user.v2.UserService',
      },
      aggregate: { id: registeredId, type: { type: 'user' }, resourceOwner: idp.orgId },
      sequence: '1',
      creationDate: expect.stringMatching(/\.\d{6}Z$/),
      payload: expect.objectContaining({ email: registered.email }),
      type: { type: 'user.human.added' },
    });
    // Events without data have no payload at all.
    const locked = body.events.find((event) => event.type.type === 'user.locked');
    expect(locked).not.toHaveProperty('payload');
  });

  it('honours asc, limit, from, event_types and aggregate_id', async () => {
    const all = idp.events.all();
    const asc = await search(idp, { asc: true, limit: 2 });
    expect(asc.body.events.map((event) => event.creationDate)).toEqual(
      all.slice(0, 2).map((event) => event.creationDate),
    );

    const pivot = all[1]?.creationDate ?? '';
    const after = await search(idp, { asc: true, from: pivot });
    expect(after.body.events.map((event) => event.creationDate)).toEqual(
      all.slice(2).map((event) => event.creationDate),
    );
    const before = await search(idp, { from: pivot });
    expect(before.body.events.map((event) => event.creationDate)).toEqual([all[0]?.creationDate]);

    const added = await search(idp, { event_types: ['user.human.added'], asc: true });
    expect(added.body.events.map((event) => event.type.type)).toEqual([
      'user.human.added',
      'user.human.added',
    ]);
    const camel = await search(idp, { eventTypes: ['user.locked'] });
    expect(camel.body.events).toHaveLength(1);

    const byAggregate = await search(idp, {
      aggregate_id: registeredId,
      aggregate_types: ['user'],
    });
    expect(byAggregate.body.events.map((event) => event.aggregate.id)).toEqual([registeredId]);
    const otherType = await search(idp, { aggregate_types: ['org'] });
    expect(otherType.body.events).toEqual([]);

    const ranged = await search(idp, {
      asc: true,
      range: { since: all[0]?.creationDate, until: all[3]?.creationDate },
      from: all[2]?.creationDate,
    });
    expect(ranged.body.events.map((event) => event.creationDate)).toEqual([
      all[1]?.creationDate,
      all[2]?.creationDate,
    ]);

    const sequence = await search(idp, { sequence: '1', asc: true });
    expect(sequence.body.events.every((event) => Number(event.sequence) > 1)).toBe(true);
    expect((await search(idp, { limit: 5000 })).body.events).toHaveLength(all.length);
  });

  it('rejects malformed searches with code 3', async () => {
    expect(await search(idp, { from: 'yesterday' })).toMatchObject({
      status: 400,
      body: { code: 3 },
    });
    expect(await search(idp, { event_types: 'user.human.added' })).toMatchObject({
      status: 400,
      body: { code: 3 },
    });
    expect(await search(idp, { limit: -1 })).toMatchObject({ status: 400, body: { code: 3 } });
  });

  it('offers the same search on the handle', () => {
    expect(idp.events.search({ asc: true, limit: 1 }).events[0]).toMatchObject({
      aggregate: { id: registeredId },
      sequence: '1',
    });
  });

  it('keeps sequences per aggregate across restarts and stores a generated PAT in the data dir', async () => {
    const dir = makeTempDataDir();
    try {
      const first = await startTestIdp({ dataDir: dir.dir });
      const user = await first.idp.users.create(newTestUser('seq'));
      const pat = readFileSync(join(dir.dir, 'admin.pat'), 'utf8').trim();
      expect(pat).toBe(first.idp.adminPat);
      expect(pat.length).toBeGreaterThanOrEqual(40);
      await first.stop();
      const second = await startTestIdp({ dataDir: dir.dir, adminPat: 'explicit-pat' });
      try {
        second.idp.users.deactivate(user.id);
        const { body, status } = await search(
          second.idp,
          { aggregate_id: user.id, asc: true },
          'explicit-pat',
        );
        expect(status).toBe(200);
        expect(body.events.map((event) => [event.sequence, event.type.type])).toEqual([
          ['1', 'user.human.added'],
          ['2', 'user.deactivated'],
        ]);
        expect((await search(second.idp, {}, pat)).status).toBe(401);
      } finally {
        await second.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
