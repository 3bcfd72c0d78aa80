import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// No Docker engine runs here, so a Dockerfile is read line by line: enough for the instructions
// this repository writes (continuation lines, comments, ARG defaults before the first FROM).

export interface DockerInstruction {
  instruction: string;
  args: string;
  line: number;
}

export interface DockerStage {
  image: string;
  name?: string;
  instructions: DockerInstruction[];
}

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending !== '' && line.startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const [instruction = '', ...rest] = full.split(/\s+/);
    instructions.push({
      instruction: instruction.toUpperCase(),
      args: rest.join(' '),
      line: startLine,
    });
  });
  return instructions;
}

/** The stages of a Dockerfile, each base image with the ARG defaults before the first FROM. */
export function stagesOf(text: string): DockerStage[] {
  const args: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const instruction of parseDockerfile(text)) {
    if (instruction.instruction === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=');
      args[name] = value;
    } else if (instruction.instruction === 'FROM') {
      const [reference = '', as, name] = instruction.args
        .replace(/^--platform=\S+\s+/, '')
        .split(/\s+/);
      const image = reference.replace(
        /\$\{?(\w+)\}?/g,
        (_, variable: string) => args[variable] ?? '',
      );
      stages.push({
        image,
        ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The sources of a COPY or ADD (JSON or shell form), without its flags, and its flags. */
export function parseCopy(args: string) {
  const flags: Record<string, string> = {};
  let rest = args;
  for (;;) {
    const flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
    if (!flag) break;
    flags[flag[1] as string] = flag[2] ?? 'true';
    rest = rest.slice(flag[0].length);
  }
  const parts: string[] = rest.startsWith('[') ? JSON.parse(rest) : rest.split(/\s+/);
  return { flags, sources: parts.slice(0, -1), destination: parts.at(-1) };
}

/**
 * A .dockerignore matcher, enough for the patterns of this repository: `*`, `**`, leading `/`,
 * and a matched folder excluding everything under it. `!` exceptions are not supported.
 * Answers true when a path (relative to the context) is excluded.
 */
export function dockerignoreMatcher(contextDir: string): (path: string) => boolean {
  const file = join(contextDir, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.some((pattern) => pattern.startsWith('!'))) {
    throw new Error(`${file}: exceptions (!) are not supported by this check`);
  }
  const expressions = patterns.map((pattern) => {
    const source = pattern
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) =>
        segment === '**'
          ? '.*'
          : segment
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?');
    return new RegExp(`^${source}(?:/.*)?$`);
  });
  return (path) => {
    const normalized = relative(contextDir, join(contextDir, path)).replace(/\\/g, '/');
    return expressions.some((expression) => expression.test(normalized));
  };
}

/**
 * What can go wrong in any of this repository's Dockerfiles without an engine to build it, as
 * sentences (none when all is well): a copied file missing from the build context or excluded by
 * its .dockerignore, a base image without a version tag (or `latest`), an install other than
 * `npm ci` or one that runs before package-lock.json is copied, and a Node base image older than
 * the LTS line in support (Node 20 reached end of life in April 2026).
 */
export function commonDockerfileProblems(
  root: string,
  dockerfile: string,
  context: string,
): string[] {
  const problems: string[] = [];
  const stages = stagesOf(readFileSync(join(root, dockerfile), 'utf8'));
  if (stages.length === 0) return [`${dockerfile}: no FROM`];
  const contextDir = join(root, context);
  const ignored = dockerignoreMatcher(contextDir);
  for (const stage of stages) {
    for (const { instruction, args, line } of stage.instructions) {
      if (instruction !== 'COPY' && instruction !== 'ADD') continue;
      const { flags, sources } = parseCopy(args);
      if (flags.from) continue;
      for (const source of sources) {
        const where = `${dockerfile}:${line} copies ${source}`;
        if (!existsSync(join(contextDir, source)))
          problems.push(`${where}, which is not in ${context}/`);
        if (ignored(source)) problems.push(`${where}, which .dockerignore excludes`);
      }
    }
  }
  for (const { image } of stages) {
    if (stages.some((stage) => stage.name === image)) continue; // FROM an earlier stage
    const tag = /^[^@]+:([^/:@]+)$/.exec(image)?.[1] ?? '';
    if (!/\d+\.\d+/.test(tag) || /latest/.test(tag))
      problems.push(`${dockerfile}: ${image} is not pinned to a version`);
    const node = /^node:(\d+)(?:[.-]|$)/.exec(image);
    if (node && Number(node[1]) < 24)
      problems.push(`${dockerfile}: ${image} is older than Node 24, the LTS line in support`);
  }
  for (const stage of stages) {
    const install = stage.instructions.findIndex(
      ({ instruction, args }) => instruction === 'RUN' && /\bnpm (ci|install|i)\b/.test(args),
    );
    if (install === -1) continue;
    if (!/\bnpm ci\b/.test(stage.instructions[install]?.args ?? ''))
      problems.push(
        `${dockerfile}: installs with something other than npm ci, which may rewrite the lock`,
      );
    const lockCopied = stage.instructions
      .slice(0, install)
      .some(
        ({ instruction, args }) => instruction === 'COPY' && args.includes('package-lock.json'),
      );
    if (!lockCopied) problems.push(`${dockerfile}: npm runs before package-lock.json is copied`);
  }
  return problems;
}

/**
 * The workspaces `workspace` depends on at run time (its `dependencies` naming another workspace
 * of the root package.json) and the COPY lines its Dockerfile lacks for them: each needs its
 * package.json and its src/. `imported` lets a caller check the check found something.
 */
export function workspaceCopies(root: string, workspace: string, dockerfile: string) {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const rootManifest = JSON.parse(read('package.json')) as { workspaces?: string[] };
  const folderByName = new Map<string, string>();
  for (const folder of rootManifest.workspaces ?? []) {
    if (!existsSync(join(root, folder, 'package.json'))) continue;
    folderByName.set((JSON.parse(read(`${folder}/package.json`)) as { name: string }).name, folder);
  }
  const manifest = JSON.parse(read(`${workspace}/package.json`)) as {
    dependencies?: Record<string, string>;
  };
  const imported = Object.keys(manifest.dependencies ?? {})
    .map((name) => folderByName.get(name))
    .filter((folder) => folder !== undefined);
  const text = read(dockerfile);
  const missing = imported.flatMap((folder) =>
    [`COPY ${folder}/package.json ${folder}/`, `COPY ${folder}/src ${folder}/src`].filter(
      (line) => !text.includes(line),
    ),
  );
  return { imported, missing };
}
