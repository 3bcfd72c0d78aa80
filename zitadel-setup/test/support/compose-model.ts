import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import {
  type ComposeModel,
  type ComposeService,
  composeConfig,
  hasDockerCompose,
} from './repository';

// The resolved docker-compose.yml (by Debian's docker-compose, whose `config` needs no Docker
// engine) and readers for the parts the wiring tests check.
// CI installs docker-compose (.ci/run); elsewhere these tests are skipped when it is missing.
export const available = hasDockerCompose();
export const skip =
  available || process.env.CI
    ? false
    : 'docker-compose is not installed (apt-get install docker-compose)';

let cached: ComposeModel | undefined;
export const compose = () => {
  cached ??= composeConfig();
  return cached;
};
export const service = (name: string) => {
  const found = compose().services[name];
  assert.ok(found, `service ${name} is missing`);
  return found;
};
export const env = (name: string, variable: string) => {
  const value = service(name).environment?.[variable];
  assert.notEqual(value, undefined, `${name} sets no ${variable}`);
  return String(value);
};

/**
 * Published ports in either form docker-compose prints ("127.0.0.1:8080:8080/tcp" or objects).
 */
export function portsOf(
  definition: ComposeService,
): Array<{ hostIp: string; published: number; target: number }> {
  return (definition.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        hostIp: port.host_ip ?? '',
        published: Number(port.published),
        target: Number(port.target),
      };
    }
    const parts = String(port)
      .replace(/\/\w+$/, '')
      .split(':');
    const target = Number(parts.pop());
    const published = Number(parts.pop());
    return { hostIp: parts.join(':'), published, target };
  });
}

/**
 * Volume mounts in either form ("name:/path:ro" or objects).
 */
export function mountsOf(
  definition: ComposeService,
): Array<{ source: string; target: string; type: string }> {
  return (definition.volumes ?? []).map((mount) => {
    if (typeof mount === 'object')
      return { source: mount.source, target: mount.target, type: mount.type };
    const [source = '', target = ''] = String(mount).split(':');
    return {
      source,
      target,
      type: source.startsWith('/') || source.startsWith('.') ? 'bind' : 'volume',
    };
  });
}

/** The named volume mounted at the folder holding `file`, in service `name`. */
export function volumeHolding(name: string, file: string) {
  const mount = mountsOf(service(name)).find((candidate) => candidate.target === dirname(file));
  assert.ok(mount, `${name} mounts nothing at ${dirname(file)} (for ${file})`);
  return mount.source;
}

export function ipv4InCidr(ip: string, cidr: string) {
  const [network = '', bits = '32'] = cidr.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(network)) return false;
  const toNumber = (address: string) =>
    address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(network) / size);
}
