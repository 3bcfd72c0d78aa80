import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(plain) === 4) return plain.split('.')[0] === '127';
  if (isIP(plain) === 6) return /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(plain);
  return false;
}

/**
 * The dev admin API may only be used from this machine. A proxy on loopback forwarding someone
 * else's request is refused as well (its X-Forwarded-For names the real client).
 */
export function isLoopbackRequest(req: Pick<IncomingMessage, 'socket' | 'headers'>): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  const forwarded = req.headers['x-forwarded-for'];
  if (forwarded === undefined) return true;
  const chain = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)
    .split(',')
    .map((part) => part.trim());
  return chain.every((hop) => isLoopbackAddress(hop));
}
