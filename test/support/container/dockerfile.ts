import { readFileSync } from 'node:fs';

/**
 * Just enough of the Dockerfile syntax for the tests to read our own Dockerfile: instructions with
 * `\` continuations, `#` comments, stages, COPY flags and the exec and shell forms of commands.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Copy {
  from?: string;
  sources: string[];
  destination: string;
}

export function readDockerfile(path = 'Dockerfile'): Stage[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/s.exec(line)!;
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      throw new Error(`${instruction.keyword} before the first FROM`);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  if (pending) lines.push(pending);
  return lines;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** RUN, CMD or HEALTHCHECK's command as argv: the exec form as written, the shell form under /bin/sh -c. */
export function commandOf(args: string): string[] {
  if (args.startsWith('[')) return JSON.parse(args) as string[];
  return ['/bin/sh', '-c', args];
}

/** HEALTHCHECK [--option=value…] CMD command */
export function parseHealthcheck(args: string): { options: Record<string, string>; command: string } {
  const match = /^((?:--[\w-]+=\S+\s+)*)CMD\s+(.*)$/s.exec(args);
  if (!match) throw new Error(`Unsupported HEALTHCHECK: ${args}`);
  const options = Object.fromEntries(
    match[1]
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((option) => option.slice(2).split('=') as [string, string]),
  );
  return { options, command: match[2] };
}
