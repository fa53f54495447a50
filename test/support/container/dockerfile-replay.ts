import { execFile } from 'node:child_process';
import { cp, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { commandOf, parseCopy, type Stage } from './dockerfile.js';

/** A stage's file system as a folder on this machine, after its instructions ran. */
export interface ReplayedStage {
  root: string;
  workdir: string;
  env: Record<string, string>;
}

/**
 * Runs a Dockerfile stage without Docker: `root` stands for its `/`, which starts empty (no base
 * image files: node, npm and sh come from this machine). WORKDIR, ENV and COPY (from the context or
 * an earlier stage) are done as Docker does them, RUN only when `runCommands` is set. USER, EXPOSE,
 * HEALTHCHECK and CMD describe the container and change no file; any other instruction fails, so
 * the replay never skips a step it does not know.
 */
export async function replayStage(
  stage: Stage,
  options: {
    root: string;
    context: string;
    stages?: Record<string, ReplayedStage>;
    runCommands: boolean;
  },
): Promise<ReplayedStage> {
  const { root, context, stages = {} } = options;
  const at = (path: string) => join(root, path);
  let workdir = '/';
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    switch (keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, args);
        await mkdir(at(workdir), { recursive: true });
        break;
      case 'ENV':
        for (const pair of args.split(/\s+/)) {
          const [name, ...value] = pair.split('=');
          env[name] = value.join('=');
        }
        break;
      case 'COPY': {
        const copy = parseCopy(args);
        const source = copy.from ? stages[copy.from] : undefined;
        if (copy.from && !source) throw new Error(`COPY --from=${copy.from}: no such stage replayed`);
        const sources = copy.sources.map((path) => (source ? join(source.root, path) : join(context, path)));
        await dockerCopy(
          sources,
          at(posix.resolve(workdir, copy.destination)),
          copy.destination.endsWith('/'),
        );
        break;
      }
      case 'RUN':
        if (options.runCommands) await run(commandOf(args), at(workdir), env);
        break;
      case 'USER':
      case 'EXPOSE':
      case 'HEALTHCHECK':
      case 'CMD':
        break;
      default:
        throw new Error(`The replay does not know ${keyword}`);
    }
  }
  return { root, workdir, env };
}

/**
 * Docker's COPY: a folder's contents go into the destination, a file becomes the destination or goes
 * into it when it ends with `/` (or there are several sources); symbolic links are copied as links.
 */
async function dockerCopy(sources: string[], destination: string, intoFolder: boolean): Promise<void> {
  for (const source of sources) {
    const folder = (await stat(source)).isDirectory();
    const target =
      folder || !(intoFolder || sources.length > 1) ? destination : join(destination, basename(source));
    await mkdir(dirname(target), { recursive: true });
    await cp(source, target, { recursive: true, verbatimSymlinks: true });
  }
}

/**
 * A build's RUN sees only the image's environment and the stage's ENV: none of the npm_* variables
 * of the `npm test` running this, nor Vitest's NODE_ENV.
 */
async function run(argv: string[], cwd: string, env: Record<string, string>): Promise<void> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'NODE_ENV'),
  );
  try {
    await promisify(execFile)(argv[0], argv.slice(1), {
      cwd,
      env: { ...inherited, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`RUN ${argv.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}
