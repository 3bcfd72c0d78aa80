import type {
  ListEventsRequestJson,
  ListEventsResponseJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type { EventJson } from '@zitadel/proto/zitadel/event_pb';
import type { LocalIdp } from '../../src/index';
import { postZitadelApi } from './zitadel-api';

/** POST /admin/v1/events/_search with the admin PAT (or `pat`); `events` is never undefined. */
export async function search(
  idp: LocalIdp,
  body: ListEventsRequestJson | unknown,
  pat = idp.adminPat,
) {
  const answer = await postZitadelApi<ListEventsResponseJson>(
    idp,
    '/admin/v1/events/_search',
    body,
    pat,
  );
  return { ...answer, events: answer.body.events ?? [] };
}

/** An RFC 3339 date with microseconds as microseconds since the epoch. */
export const micros = (date: string | undefined) => {
  const match = /^(.*T\d\d:\d\d:\d\d)\.(\d{6})Z$/.exec(date ?? '');
  if (!match) throw new Error(`not an RFC 3339 date with microseconds: ${date}`);
  return BigInt(Date.parse(`${match[1]}Z`)) * 1000n + BigInt(match[2] as string);
};
/** Microseconds since the epoch as the RFC 3339 date the Event API writes. */
export const at = (value: bigint) => {
  const whole = new Date(Number(value / 1_000_000n) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(value % 1_000_000n).padStart(6, '0')}Z`;
};
/** aggregate/sequence/type of each event: enough to compare two answers' order. */
export const keys = (events: EventJson[]) =>
  events.map((event) => `${event.aggregate?.id}/${event.sequence}/${event.type?.type}`);
