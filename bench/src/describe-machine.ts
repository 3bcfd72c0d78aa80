import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem } from 'node:os';
import postgres from 'postgres';

export interface MachineDescription {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  /** Syscalls and context switches cost more in a VM, and the HTTP path makes many of them. */
  virtualization: string;
  node: string;
  postgres: string;
  /** Settings that decide what one commit costs. */
  postgresSettings: string;
  /** 1-minute load average when the bench started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
}

export async function describeMachine(adminDatabaseUrl: string): Promise<MachineDescription> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const cmdline = readFileSync('/proc/cmdline', 'utf8');
  const virtualization = /firecracker/i.test(cmdline)
    ? 'Firecracker microVM'
    : /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)
      ? 'virtual machine'
      : 'none detected';
  const sql = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [version] = await sql<{ server_version: string }[]>`show server_version`;
    const settings = await sql<{ name: string; setting: string; unit: string | null }[]>`
      select name, setting, unit from pg_settings
      where name in ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_sync_method', 'max_connections')
      order by name`;
    return {
      date: new Date().toISOString(),
      cpus: availableParallelism(),
      cpuModel,
      memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
      kernel: release(),
      virtualization,
      node: process.version,
      postgres: version?.server_version ?? 'unknown',
      postgresSettings: settings
        .map((row) =>
          row.name === 'shared_buffers' && row.unit === '8kB'
            ? `shared_buffers=${(Number(row.setting) * 8) / 1024} MB`
            : `${row.name}=${row.setting}`,
        )
        .join(', '),
      loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
