import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { ListEventsResponseSchema } from '@zitadel/proto/zitadel/admin_pb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalIdp } from '../src/index';
import { at, keys, micros, search } from './support/event-search';
import { newTestUser, registerViaPromptCreate } from './support/oidc-client';
import { makeTempDataDir, startTestIdp } from './support/temp-data-dir';

// Contract tests: the local identity provider's Event API must behave like ZITADEL's on every rule
// the backend's sync relies on. Each test names the ZITADEL source of its rule
// (github:zitadel/zitadel); request and response types are ZITADEL's own (@zitadel/proto).

describe('Event API (POST /admin/v1/events/_search) contract', () => {
  let idp: LocalIdp;
  let stop: () => Promise<void>;
  let dataDir: string;
  let registeredId: string;
  let verifiedId: string;
  const registered = newTestUser('events');

  beforeAll(async () => {
    ({ idp, stop, dataDir } = await startTestIdp());
    await registerViaPromptCreate(idp, registered);
    registeredId = idp.users.findByEmail(registered.email)?.id ?? '';
    const second = await idp.users.create({ ...newTestUser('events2'), emailVerified: true });
    verifiedId = second.id;
    await idp.users.update(second.id, { givenName: 'Ren', email: `ren.${Date.now()}@example.com` });
    idp.users.lock(second.id);
  });
  afterAll(() => stop());

  // cmd/setup/40/02_func.sql (eventstore.commands_to_events): every event of one push gets the
  // same created_at and its aggregate's next sequence; Login V2's AddHumanUser writes
  // user.human.added and the email code event in one push.
  it('writes all events of one command at one instant, with per-aggregate sequences', () => {
    const mine = idp.events.all().filter((event) => event.aggregateId === registeredId);
    expect(mine.map((event) => [event.sequence, event.type])).toEqual([
      [1, 'user.human.added'],
      [2, 'user.human.email.code.added'],
    ]);
    expect(new Set(mine.map((event) => event.creationDate)).size).toBe(1);
    expect(mine[0]).toMatchObject({
      aggregateType: 'user',
      resourceOwner: idp.orgId,
      instanceId: idp.instanceId,
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
    expect(mine[0]?.creationDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    const second = idp.events.all().filter((event) => event.aggregateId === verifiedId);
    expect(second.map((event) => [event.sequence, event.type])).toEqual([
      [1, 'user.human.added'],
      [2, 'user.human.email.verified'],
      [3, 'user.human.profile.changed'],
      [4, 'user.human.email.changed'],
      [5, 'user.locked'],
    ]);
    // Three commands: create (verified), one PATCH (profile + email), lock.
    const instants = second.map((event) => micros(event.creationDate));
    expect(instants[0]).toBe(instants[1]);
    expect(instants[2]).toBe(instants[3]);
    expect(instants[1]).toBeLessThan(instants[2] as bigint);
    expect(instants[3]).toBeLessThan(instants[4] as bigint);

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

  // internal/api/grpc/admin/event.go: OrderDesc() unless `asc`; the response is
  // zitadel.admin.v1.ListEventsResponse, which must parse against ZITADEL's own schema.
  it('answers newest first by default, in the shape of ZITADEL’s ListEventsResponse', async () => {
    const { status, body, events } = await search(idp, {});
    expect(status).toBe(200);
    expect(() =>
      fromJson(ListEventsResponseSchema, body as JsonObject, { ignoreUnknownFields: false }),
    ).not.toThrow();
    expect(events).toHaveLength(idp.events.all().length);
    expect(keys(events)).toEqual(keys(idp.events.search({ asc: true }).events ?? []).reverse());
    const added = events.find(
      (event) => event.aggregate?.id === registeredId && event.sequence === '1',
    );
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
    const locked = events.find((event) => event.type?.type === 'user.locked');
    expect(locked).not.toHaveProperty('payload');
  });

  // internal/api/grpc/admin/event.go (asc → CreationDateAfter(from), else CreationDateBefore(from))
  // and internal/eventstore/repository/search_query.go (creationDateAfterFilter: OperationGreater,
  // creationDateBeforeFilter: OperationLess): `from` is exclusive in both directions, so an
  // instant holding several events is skipped whole.
  it('treats `from` as exclusive: ascending after it, descending before it', async () => {
    const mine = idp.events.all().filter((event) => event.aggregateId === verifiedId);
    const profileInstant = mine[2]?.creationDate ?? '';
    const after = await search(idp, { asc: true, from: profileInstant });
    expect(after.events.map((event) => event.creationDate)).not.toContain(profileInstant);
    expect(after.events.every((event) => micros(event.creationDate) > micros(profileInstant))).toBe(
      true,
    );
    const before = await search(idp, { from: profileInstant });
    expect(
      before.events.every((event) => micros(event.creationDate) < micros(profileInstant)),
    ).toBe(true);
    expect(before.events.length + after.events.length).toBe(idp.events.all().length - 2);
    // One microsecond earlier, the instant is read again: both of its events.
    const again = await search(idp, {
      asc: true,
      from: at(micros(profileInstant) - 1n),
      aggregate_id: verifiedId,
    });
    expect(again.events.map((event) => event.type?.type).slice(0, 2)).toEqual([
      'user.human.profile.changed',
      'user.human.email.changed',
    ]);
  });

  // internal/api/grpc/admin/event.go: with `range` set, the deprecated `creation_date` is ignored,
  // and since/until go to CreationDateAfter/CreationDateBefore (strict on both ends). `range` and
  // `from` are one oneof (creation_date_filter in admin.proto): protojson refuses both at once.
  it('treats `range {since, until}` as strict on both ends and ignores `creation_date` with it', async () => {
    const all = idp.events.all();
    const first = all[0]?.creationDate ?? '';
    const last = all.at(-1)?.creationDate ?? '';
    const ranged = await search(idp, {
      asc: true,
      range: { since: first, until: last },
      creation_date: last,
    });
    expect(ranged.events.length).toBeGreaterThan(0);
    for (const event of ranged.events) {
      expect(micros(event.creationDate)).toBeGreaterThan(micros(first));
      expect(micros(event.creationDate)).toBeLessThan(micros(last));
    }
    // Bracketing one instant by a microsecond on each side reads exactly that instant.
    const instant = all[0]?.creationDate ?? '';
    const exact = await search(idp, {
      asc: true,
      range: { since: at(micros(instant) - 1n), until: at(micros(instant) + 1n) },
    });
    expect(keys(exact.events)).toEqual(
      keys(idp.events.search({ asc: true }).events ?? []).filter(
        (_, index) => all[index]?.creationDate === instant,
      ),
    );
  });

  // internal/api/grpc/admin/event.go: AddQuery().AggregateIDs/AggregateTypes/EventTypes, the
  // builder's ResourceOwner, EditorUser and SequenceGreater.
  it('filters by event_types, aggregate_types, aggregate_id, resource_owner, editor and sequence', async () => {
    const added = await search(idp, { event_types: ['user.human.added'], asc: true });
    expect(added.events.map((event) => event.type?.type)).toEqual([
      'user.human.added',
      'user.human.added',
    ]);
    expect((await search(idp, { eventTypes: ['user.locked'] })).events).toHaveLength(1);
    const byAggregate = await search(idp, {
      aggregate_id: registeredId,
      aggregate_types: ['user'],
    });
    expect(new Set(byAggregate.events.map((event) => event.aggregate?.id))).toEqual(
      new Set([registeredId]),
    );
    expect((await search(idp, { aggregate_types: ['org'] })).events).toEqual([]);
    expect((await search(idp, { resource_owner: 'another-org' })).events).toEqual([]);
    expect((await search(idp, { resource_owner: idp.orgId })).events).toHaveLength(
      idp.events.all().length,
    );
    expect(
      (await search(idp, { editor_user_id: '336500000000000002' })).events.every(
        (event) => event.aggregate?.id === registeredId,
      ),
    ).toBe(true);
    const sequence = await search(idp, { sequence: '1', asc: true });
    expect(sequence.events.every((event) => Number(event.sequence) > 1)).toBe(true);
  });

  it('rejects malformed searches like grpc-gateway: 400, code 3', async () => {
    for (const body of [
      { from: 'yesterday' },
      { event_types: 'user.human.added' },
      { limit: -1 },
      { range: { since: 42 } },
      { range: {}, from: '2025-01-01T00:00:00Z' },
      [],
    ]) {
      expect(await search(idp, body), JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { code: 3 },
      });
    }
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
        const { events, status } = await search(
          second.idp,
          { aggregate_id: user.id, asc: true },
          'explicit-pat',
        );
        expect(status).toBe(200);
        expect(events.map((event) => [event.sequence, event.type?.type])).toEqual([
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
