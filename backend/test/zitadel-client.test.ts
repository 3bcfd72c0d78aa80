import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { ListEventsRequestSchema } from '@zitadel/proto/zitadel/admin_pb';
import { describe, expect, it } from 'vitest';
import { formatMicros, parseMicros } from '../src/zitadel-api/event-instant';
import {
  type EventSearch,
  eventSearchBody,
  parseEventsPage,
  ZitadelApiError,
} from '../src/zitadel-api/zitadel-client';

const at = parseMicros('2025-09-05T08:55:36.156333Z');

function event(overrides: Record<string, unknown> = {}) {
  return {
    editor: { userId: '1', displayName: 'login-client', service: 'zitadel.user.v2.UserService' },
    aggregate: { id: '336494809936035843', type: { type: 'user' }, resourceOwner: '3' },
    sequence: '1',
    creationDate: '2025-09-05T08:55:36.156333Z',
    payload: { email: 'mini@mouse.com' },
    type: { type: 'user.human.added' },
    ...overrides,
  };
}

const ascending: EventSearch = { asc: true, eventTypes: ['user.human.added'], limit: 1000 };

describe('the Event API client', () => {
  // admin.proto ListEventsRequest: `range` and `from` are one oneof (creation_date_filter); the
  // body must parse with ZITADEL's schema, unknown fields refused.
  it('sends bodies that parse as ZITADEL’s ListEventsRequest', () => {
    for (const search of [
      { ...ascending, after: at },
      { ...ascending, range: { since: at - 1, until: at + 1 }, aggregateId: '42' },
      { asc: false, eventTypes: [], limit: 5000 },
    ] as EventSearch[]) {
      const body = eventSearchBody(search);
      const request = fromJson(ListEventsRequestSchema, body as JsonObject, {
        ignoreUnknownFields: false,
      });
      expect(request.limit).toBeLessThanOrEqual(1000);
      expect(request.aggregateTypes).toEqual(['user']);
      if (search.range) {
        expect(request.creationDateFilter.case).toBe('range');
        expect(body.range).toEqual({
          since: '2025-09-05T08:55:36.156332Z',
          until: '2025-09-05T08:55:36.156334Z',
        });
      }
      if ('after' in search) expect(body.from).toBe('2025-09-05T08:55:36.156333Z');
    }
    // The epoch means "not set" to ZITADEL (CreationDateAfter ignores Unix() == 0): not sent.
    expect(eventSearchBody({ ...ascending, after: 0 })).not.toHaveProperty('from');
  });

  it('reads dates with 0, 3, 6 or 9 fractional digits to the microsecond', () => {
    expect(parseMicros('2025-09-05T08:55:36Z')).toBe(parseMicros('2025-09-05T08:55:36.000000Z'));
    expect(parseMicros('2025-09-05T08:55:36.156Z')).toBe(at - 333);
    expect(parseMicros('2025-09-05T08:55:36.156333999Z')).toBe(at);
    expect(parseMicros('2025-09-05T10:55:36.156333+02:00')).toBe(at);
    expect(formatMicros(at)).toBe('2025-09-05T08:55:36.156333Z');
    expect(parseMicros('yesterday')).toBeNaN();
  });

  it('turns a page into events with their instants', () => {
    const [read] = parseEventsPage({ events: [event()] }, ascending);
    expect(read).toMatchObject({
      aggregateType: 'user',
      aggregateId: '336494809936035843',
      sequence: 1,
      eventType: 'user.human.added',
      resourceOwner: '3',
      createdAt: '2025-09-05T08:55:36.156333Z',
      payload: { email: 'mini@mouse.com' },
      micros: at,
    });
    expect(parseEventsPage({}, ascending)).toEqual([]);
  });

  // What a broken proxy, a truncated answer or a misbehaving server could send: each refused as
  // malformed (retried), never applied.
  it('refuses pages that are not what was asked for', () => {
    const later = '2025-09-05T08:55:37.000000Z';
    const cases: [string, unknown, EventSearch][] = [
      ['not an object', [], ascending],
      ['events not a list', { events: {} }, ascending],
      ['no sequence', { events: [event({ sequence: undefined })] }, ascending],
      ['sequence as a number', { events: [event({ sequence: 1 })] }, ascending],
      ['sequence 0', { events: [event({ sequence: '0' })] }, ascending],
      ['no aggregate', { events: [event({ aggregate: undefined })] }, ascending],
      ['bad date', { events: [event({ creationDate: 'soon' })] }, ascending],
      ['payload a string', { events: [event({ payload: 'e30=' })] }, ascending],
      ['out of order', { events: [event({ creationDate: later }), event()] }, ascending],
      ['not after `from`', { events: [event()] }, { ...ascending, after: at }],
      [
        'outside the range',
        { events: [event()] },
        { ...ascending, range: { since: at, until: at + 5 } },
      ],
      ['an unrequested type', { events: [event({ type: { type: 'user.locked' } })] }, ascending],
      [
        'an org event',
        { events: [event({ aggregate: { id: '1', type: { type: 'org' } } })] },
        ascending,
      ],
      ['more than the limit', { events: [event(), event()] }, { ...ascending, limit: 1 }],
    ];
    for (const [name, page, search] of cases) {
      let caught: unknown;
      try {
        parseEventsPage(page, search);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(ZitadelApiError);
      expect((caught as ZitadelApiError).retryable, name).toBe(true);
      expect((caught as ZitadelApiError).failure, name).toBe('malformed');
    }
    // Descending pages run the other way.
    expect(
      parseEventsPage(
        { events: [event({ creationDate: later }), event()] },
        { ...ascending, asc: false },
      ),
    ).toHaveLength(2);
  });
});
