// Contract tests: the Event API fake answers the way ZITADEL's `POST /admin/v1/events/_search`
// does on every rule the backend's sync relies on (the shared ZITADEL notes, "Event API";
// internal/api/grpc/admin/event.go). Responses are read with ZITADEL's own schema (@zitadel/proto).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import {
  type ListEventsRequestJson,
  ListEventsResponseSchema,
} from '@zitadel/proto/zitadel/admin_pb';
import { startTestEventApi } from '../src/fake-event-api';
import { formatMicros, parseMicros } from '../src/zitadel-event-api';

type Api = Awaited<ReturnType<typeof startTestEventApi>>;

async function search(api: Api, body: ListEventsRequestJson, pat = api.pat) {
  const response = await fetch(`${api.url}/admin/v1/events/_search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as JsonObject;
  if (response.status !== 200) return { status: response.status, json, keys: [] };
  const events = fromJson(ListEventsResponseSchema, json).events;
  return {
    status: response.status,
    json,
    keys: events.map((event) => `${event.aggregate?.id}/${event.sequence}`),
  };
}

const base = parseMicros('2025-09-05T08:55:36.000000Z');
const at = (offsetMicros: number) => formatMicros(base + offsetMicros);

describe('the Event API fake follows ZITADEL’s Event API', () => {
  let api: Api;
  before(async () => {
    api = await startTestEventApi();
    // Three instants; the middle one holds two events (one command writes them together).
    api.events.push(
      { userId: 'a', sequence: 1, type: 'user.human.added', creationDate: at(0) },
      { userId: 'b', sequence: 1, type: 'user.human.added', creationDate: at(5) },
      { userId: 'b', sequence: 2, type: 'user.human.email.verified', creationDate: at(5) },
      { userId: 'c', sequence: 1, type: 'user.human.added', creationDate: at(10) },
    );
  });
  after(() => api.close());

  it('refuses a missing or wrong PAT with 401, code 16', async () => {
    const answer = await search(api, {}, 'wrong');
    assert.equal(answer.status, 401);
    assert.equal(answer.json.code, 16);
  });

  it('answers newest first by default, in ListEventsResponse’s shape (uint64 as strings)', async () => {
    const answer = await search(api, {});
    assert.deepEqual(answer.keys, ['c/1', 'b/2', 'b/1', 'a/1']);
    const [first] = answer.json.events as JsonObject[];
    assert.equal(first?.sequence, '1');
    assert.deepEqual(first?.type, { type: 'user.human.added' });
    assert.deepEqual((first?.aggregate as JsonObject | undefined)?.type, { type: 'user' });
  });

  it('treats `from` as exclusive: ascending after it, descending before it', async () => {
    assert.deepEqual((await search(api, { asc: true, from: at(5) })).keys, ['c/1']);
    assert.deepEqual((await search(api, { from: at(5) })).keys, ['a/1']);
  });

  it('treats `range {since, until}` as strict on both ends', async () => {
    const answer = await search(api, { asc: true, range: { since: at(0), until: at(10) } });
    assert.deepEqual(answer.keys, ['b/1', 'b/2']);
  });

  it('filters by event type and aggregate id', async () => {
    const byType = await search(api, { asc: true, eventTypes: ['user.human.email.verified'] });
    assert.deepEqual(byType.keys, ['b/2']);
    assert.deepEqual((await search(api, { asc: true, aggregateId: 'b' })).keys, ['b/1', 'b/2']);
  });

  it('reads 1000 events when `limit` is 0 or above 1000', async () => {
    const busy = await startTestEventApi();
    try {
      for (let sequence = 1; sequence <= 1001; sequence++) {
        busy.events.push({
          userId: 'bulk',
          sequence,
          type: 'user.human.added',
          creationDate: at(0),
        });
      }
      assert.equal((await search(busy, { limit: 0 })).keys.length, 1000);
      assert.equal((await search(busy, { limit: 5000 })).keys.length, 1000);
      assert.equal((await search(busy, { limit: 3 })).keys.length, 3);
    } finally {
      await busy.close();
    }
  });
});
