import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from '../support/app/app-process.js';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { stopChild } from '../support/app/child-process.js';
import { OutboxMailbox, tokenOf } from '../support/mail/mailbox.js';

/**
 * `npm start` with no mail server (NODE_ENV=development, the default): a person must be able to
 * follow a reset link from the terminal or from the .eml file with `cat`. Outside development the
 * links are never logged (test/platform/logging.e2e-spec.ts, test/mail/outbox.e2e-spec.ts).
 */
describe('The development outbox, as `npm start` runs it (e2e)', () => {
  let proc: AppProcess;
  let outboxDir: string;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'outbox-links-'));
    outboxDir = join(dataDir, 'outbox');
    // What `npm start` runs in a developer's shell: development, and its default pretty lines.
    proc = await startAppProcess({ NODE_ENV: 'development', LOG_FORMAT: 'pretty', DATA_DIR: dataDir });
  }, 120_000);
  afterAll(() => stopChild(proc));

  const post = (path: string, body: unknown) =>
    fetch(`${proc.base}/api${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** The raw .eml files, as `cat` shows them. */
  const rawFiles = async () => {
    const names = (await readdir(outboxDir)).filter((name) => name.endsWith('.eml'));
    return Promise.all(names.map((name) => readFile(join(outboxDir, name), 'utf8')));
  };

  it('prints each link of a message whole on a line of its own, and writes it whole in the .eml', async () => {
    const email = uniqueEmail('newcomer');
    const signup = await post('/auth/signup', { fullName: 'Zoë Newcomer', email, password: GOOD_PASSWORD });
    expect(signup.status).toBe(201);
    expect((await post('/auth/forgot-password', { email })).status).toBe(202);
    const outbox = new OutboxMailbox(outboxDir);
    const reset = (await outbox.waitFor(email, 'Reset your password')).links[0];
    const verify = (await outbox.waitFor(email, 'Confirm your email address')).links[0];
    expect(reset.startsWith(`http://localhost:${proc.port}/api/auth/reset-password?token=`)).toBe(true);
    expect(tokenOf(reset)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenOf(verify)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const output = await vi.waitFor(() => {
      const printed = proc.output();
      if (!printed.includes(reset)) throw new Error('the reset link is not printed yet');
      return printed;
    });
    for (const link of [reset, verify]) {
      const lines = output.split('\n').filter((line) => line.includes(link));
      expect(lines, `lines printing ${link}`).toHaveLength(1);
      expect(lines[0]).toMatch(/\[Outbox\]|"context":"Outbox"/);
    }

    // The file's text part and its HTML part both hold the link unbroken: no quoted-printable folding.
    const [resetFile] = (await rawFiles()).filter((raw) => raw.includes('Subject: Reset your password'));
    expect(resetFile).toBeDefined();
    expect(resetFile).not.toMatch(/quoted-printable|base64/i);
    const linkLines = resetFile.split('\n').filter((line) => line.includes(reset));
    expect(linkLines).toContain(`Choose a new password: ${reset}`);
    expect(linkLines.some((line) => line.includes(`href="${reset}"`))).toBe(true);
    // Its parts are 8-bit UTF-8, so any text stays readable. (An unconfirmed address is greeted
    // without the name the account's creator chose, so the greeting holds no non-ASCII to check.)
    expect(resetFile.match(/Content-Transfer-Encoding: 8bit/g)).toHaveLength(2);
    expect(resetFile).toContain('Content-Type: text/plain; charset=utf-8');
    expect(resetFile).toContain('Hello,\n');
  });
});
