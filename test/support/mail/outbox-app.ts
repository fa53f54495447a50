import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from '../app/test-app.js';
import { OutboxMailbox } from './mailbox.js';

/**
 * An app whose mail goes to the development outbox (no SMTP_URL), in a DATA_DIR of its own, and
 * that outbox to read what it sent. `env` goes on top of the test settings, as for createTestApp.
 */
export async function createOutboxApp(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'outbox-app-'));
  const app = await createTestApp({ DATA_DIR: dataDir, ...env });
  return { app, outbox: OutboxMailbox.of(dataDir), dataDir };
}
