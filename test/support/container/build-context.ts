import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * What `docker build .` would send from a plain checkout: the files git tracks, less those
 * .dockerignore excludes. A pattern also excludes everything below a folder it matches, `!` takes a
 * file back, and the last matching line wins, as in Docker.
 */
export function buildContextFiles(root = '.'): string[] {
  const excluded = dockerignoreMatcher(readFileSync(join(root, '.dockerignore'), 'utf8'));
  return (
    execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean)
      // A tracked file deleted in the working tree is not in the checkout either.
      .filter((file) => !excluded(file) && existsSync(join(root, file)))
  );
}

export async function copyBuildContext(root: string, target: string): Promise<void> {
  for (const file of buildContextFiles(root)) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    await copyFile(join(root, file), join(target, file));
  }
}

/** Whether .dockerignore (its text) keeps a path, relative to the context root, out of the context. */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).trim().replace(/^\/+|\/+$/g, '');
      return { include, pattern: patternToRegExp(pattern) };
    });
  return (path) => {
    const candidates = ancestorsAndSelf(path);
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.include;
    }
    return excluded;
  };
}

function ancestorsAndSelf(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

function patternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
