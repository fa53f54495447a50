import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { type AppProcess, startAppProcess } from '../support/app/app-process.js';
import { stopChild } from '../support/app/child-process.js';
import { base32Bytes } from '../support/two-factor.js';

/**
 * A real process with JSON logs at the most verbose level, driven through every two-factor route
 * (in real time: a process takes no test clock); then every byte it printed is searched for the
 * secret, the recovery codes and the challenges.
 */
describe('Two-factor sign-in in the logs of a real process (e2e)', () => {
  let proc: AppProcess | undefined;
  afterAll(async () => {
    if (proc) await stopChild(proc);
  });

  it('never logs the TOTP secret, a code, a recovery code or a challenge', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'two-factor-logs-'));
    proc = await startAppProcess({ LOG_FORMAT: 'json', LOG_LEVEL: 'verbose', DATA_DIR: dataDir });
    const base = proc.base;
    const call = async (path: string, body: object, cookie?: string) => {
      const res = await fetch(`${base}/api${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
    };
    const jwtOf = (headers: Headers) =>
      headers
        .getSetCookie()
        .find((c) => c.startsWith('jwt='))!
        .split(';')[0];
    const secrets: string[] = [];

    const email = `two-factor-log-${Date.now()}@example.com`;
    const password = 'Secret-Two-Factor-Pass-5150';
    const cookie = jwtOf((await call('/auth/signup', { fullName: 'Log Tester', email, password })).headers);
    const setup = await call('/auth/2fa/setup', { password }, cookie);
    const secret = setup.json.secret as string;
    const bytes = base32Bytes(secret);
    secrets.push(secret, secret.toLowerCase(), bytes.toString('hex'), bytes.toString('base64'));
    const now = () => Math.floor(Date.now() / 1000);
    const enablingCode = await generate({ secret, epoch: now() });
    const enabled = await call('/auth/2fa/enable', { code: enablingCode }, cookie);
    expect(enabled.status).toBe(200);
    const recoveryCodes = enabled.json.recoveryCodes as string[];

    // The next step's code (accepted one step ahead); the enabling code's step is used.
    const nextCode = await generate({ secret, epoch: now() + 30 });
    const challenges: string[] = [];
    const login = async () => {
      const res = await call('/auth/login', { email, password });
      expect(res.json.twoFactorRequired).toBe(true);
      challenges.push(res.json.challenge as string);
      return res.json.challenge as string;
    };
    expect((await call('/auth/2fa/verify', { challenge: await login(), code: enablingCode })).status).toBe(
      401,
    );
    expect((await call('/auth/2fa/verify', { challenge: challenges[0], code: nextCode })).status).toBe(200);
    const byRecovery = await call('/auth/2fa/verify', {
      challenge: await login(),
      recoveryCode: recoveryCodes[0],
    });
    expect(byRecovery.status).toBe(200);
    expect((await call('/auth/token', { email, password })).status).toBe(403);
    expect((await call('/auth/token', { email, password, otp: recoveryCodes[1] })).status).toBe(200);
    expect((await call('/auth/token', { email, password, otp: recoveryCodes[1] })).status).toBe(400);
    const regenerated = await call('/auth/2fa/recovery-codes', { password }, cookie);
    const newCodes = regenerated.json.recoveryCodes as string[];
    expect((await call('/auth/2fa/disable', { password, code: recoveryCodes[2] }, cookie)).status).toBe(400);
    expect((await call('/auth/2fa/disable', { password, code: newCodes[0] }, cookie)).status).toBe(200);

    for (const code of [...recoveryCodes, ...newCodes]) {
      secrets.push(code, code.replaceAll('-', ''), code.toUpperCase());
    }
    secrets.push(...challenges);
    const output = proc.output();
    expect(output).toContain('Security event 2fa.enabled');
    expect(output).toContain('Security event 2fa.recovery_code_used');
    for (const secret of secrets) expect(output, `the log holds ${secret}`).not.toContain(secret);
    // Six-digit codes are too short to search for alone; as a JSON value they would look like this.
    for (const code of [enablingCode, nextCode]) expect(output).not.toMatch(new RegExp(`"${code}"`));
  });
});
