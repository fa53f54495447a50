import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { type AppProcess, startAppProcess } from '../support/app/app-process.js';
import { stopChild } from '../support/app/child-process.js';

/** The TCP ports process `pid` listens on, from /proc (Linux). */
async function listeningTcpPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    const lines = (await readFile(`/proc/${pid}/net/${table}`, 'utf8')).trim().split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && inodes.has(inode)) ports.add(parseInt(local.split(':')[1], 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** What `nobody` gets when it opens the socket at `path` (this test runs as root, as CI does). */
function connectAsNobody(path: string): string {
  const script = `require('node:net').connect(${JSON.stringify(path)})
    .on('connect', () => { console.log('connected'); process.exit(0); })
    .on('error', (error) => { console.log(error.code); process.exit(0); });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    uid: 65534,
    gid: 65534,
    cwd: '/',
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error)
    throw new Error(`could not run a process as nobody (run as root): ${result.error.message}`);
  return result.stdout.trim();
}

/**
 * The embedded database holds every password hash and session: no other local process may reach it.
 * It listens on a Unix socket in DATA_DIR that only the app's user can open, and on no TCP port.
 */
describe('Platform: the embedded database is reachable by the app alone (e2e)', () => {
  let dataDir: string;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-access-'));
    // Open to everyone: only what the app itself sets may keep other users out.
    await chmod(dataDir, 0o755);
    app = await startAppProcess({ NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  }, 120_000);
  afterAll(async () => {
    await stopChild(app);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('listens on no TCP port but its HTTP port', async () => {
    expect(await listeningTcpPorts(app!.process.pid!)).toEqual([app!.port]);
  });

  it('listens on a Unix socket in DATA_DIR/embedded-mongo that only its own user may open', async () => {
    const folder = join(dataDir, 'embedded-mongo');
    const socket = await stat(join(folder, 'mongod.sock'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.uid).toBe(process.getuid!());
    expect(socket.mode & 0o777).toBe(0o600);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
  });

  it('refuses a process of another user', () => {
    expect(connectAsNobody(join(dataDir, 'embedded-mongo', 'mongod.sock'))).toBe('EACCES');
  });

  it('serves the app through it', async () => {
    const email = uniqueEmail('socket');
    const http = request(app!.base);
    await http
      .post('/api/auth/signup')
      .send({ fullName: 'Sock Et', email, password: GOOD_PASSWORD })
      .expect(201);
    await http.post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
  });
});
