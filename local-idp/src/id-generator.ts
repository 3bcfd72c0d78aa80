import { randomInt } from 'node:crypto';

/**
 * ZITADEL ids are sonyflake ids printed as decimal strings (e.g. `336494809936035843`): 39 bits of
 * time in 10 ms units since a fixed epoch, 8 bits of sequence and 16 bits of machine id. Apps often
 * store or validate them as "18-digit numbers", so we produce the same shape instead of UUIDs.
 */
const SONYFLAKE_EPOCH_MS = Date.UTC(2019, 3, 29);
const TIME_UNIT_MS = 10;
const SEQUENCE_BITS = 8n;
const MACHINE_BITS = 16n;
const MAX_SEQUENCE = (1 << Number(SEQUENCE_BITS)) - 1;

function createIdGenerator(): () => string {
  // A random machine id keeps ids unique across restarts that happen within the same 10 ms slot.
  const machineId = BigInt(randomInt(0, 1 << Number(MACHINE_BITS)));
  let lastTick = 0;
  let sequence = 0;

  return () => {
    let tick = Math.floor((Date.now() - SONYFLAKE_EPOCH_MS) / TIME_UNIT_MS);
    if (tick <= lastTick) {
      // Same slot (or the clock went backwards): keep counting from the last slot so ids stay unique
      // and monotonic; borrowing the next slot when the sequence is exhausted.
      tick = lastTick;
      sequence += 1;
      if (sequence > MAX_SEQUENCE) {
        tick += 1;
        sequence = 0;
      }
    } else {
      sequence = 0;
    }
    lastTick = tick;
    const id =
      (BigInt(tick) << (SEQUENCE_BITS + MACHINE_BITS)) |
      (BigInt(sequence) << MACHINE_BITS) |
      machineId;
    return id.toString();
  };
}

/** Returns a new unique ZITADEL-shaped (sonyflake, 18 decimal digits) id. */
export const generateId = createIdGenerator();
