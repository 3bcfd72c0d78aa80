import type { CpuShares } from '../measure-cpu';

// How every report writes numbers and tables, so the sections read alike.

export const rate = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
export const ms = (value: number) =>
  Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 1) : '—';
export const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '—');
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
export const met = (ok: boolean) => (ok ? '**met**' : '**not met**');

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Cores used per part during a point, e.g. "backend 1.02 · postgres 0.37 · …". */
export function cpuCells(cpu: CpuShares, parts: string[]): string[] {
  return parts.map((part) => (cpu.seconds[part] ?? 0) / cpu.wallSeconds).map((v) => v.toFixed(2));
}

export const CPU_PARTS = ['app', 'postgres', 'bench', 'issuer', 'other', 'idle'];
export const CPU_HEADER = ['server', 'Postgres', 'load generator', 'issuer', 'other work', 'idle'];

/** One row of the targets table; `ok` undefined when the run cannot judge it. */
export interface TargetRow {
  target: string;
  measured: string;
  ok: boolean | undefined;
}
