import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

export interface RecordedRequest {
  action: string;
  fields: Record<string, string>;
  file?: Buffer;
  /** Whether `signature` is Cloudinary's SHA-1 of the sorted parameters and the API secret. */
  signatureValid: boolean;
}

/** `hang`: accept the request and never answer; `slow`: answer after `slowMs`. */
export type FakeMode = 'ok' | 'fail' | 'hang' | 'slow';

/** Parameters Cloudinary leaves out of the signature. */
const UNSIGNED = new Set(['file', 'api_key', 'signature', 'resource_type', 'cloud_name']);

/**
 * A stand-in for Cloudinary's upload API on 127.0.0.1, reached by the real SDK through
 * CLOUDINARY_URL's `upload_prefix`. It records every request, checks signatures and timestamps as
 * Cloudinary does, and answers upload and destroy like the real API, or fails, hangs or dawdles.
 */
export class FakeCloudinary {
  readonly cloudName = 'fake-cloud';
  readonly apiKey = '123456789012345';
  readonly apiSecret = 'fake-api-secret-do-not-leak';
  /** Text that a failing answer carries; it must never reach our API's clients. */
  readonly failureDetail = 'internal fake-cloudinary failure detail';
  readonly requests: RecordedRequest[] = [];
  mode: Record<'upload' | 'destroy', FakeMode> = { upload: 'ok', destroy: 'ok' };
  slowMs = 0;
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => reply(res, 400, { error: { message: 'Malformed request' } }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `cloudinary://${this.apiKey}:${this.apiSecret}@${this.cloudName}?upload_prefix=http://127.0.0.1:${port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.mode = { upload: 'ok', destroy: 'ok' };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/v1_1\/([^/]+)\/image\/(upload|destroy)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match || match[1] !== this.cloudName) {
      return reply(res, 404, { error: { message: 'Not found' } });
    }
    const action = match[2] as 'upload' | 'destroy';
    const { fields, file } = await readForm(req);
    const recorded = { action, fields, file, signatureValid: this.verify(fields) };
    this.requests.push(recorded);

    const mode = this.mode[action];
    if (mode === 'hang') return;
    if (mode === 'fail') return reply(res, 500, { error: { message: this.failureDetail } });
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    if (!recorded.signatureValid || fields.api_key !== this.apiKey) {
      return reply(res, 401, { error: { message: 'Invalid Signature' } });
    }
    if (action === 'destroy') return reply(res, 200, { result: 'ok' });
    const publicId = `${fields.folder}/${randomBytes(10).toString('hex')}`;
    const version = Math.floor(Date.now() / 1000);
    reply(res, 200, {
      public_id: publicId,
      version,
      resource_type: 'image',
      type: 'upload',
      bytes: file?.length ?? 0,
      secure_url: `https://res.cloudinary.com/${this.cloudName}/image/upload/v${version}/${publicId}`,
      url: `http://res.cloudinary.com/${this.cloudName}/image/upload/v${version}/${publicId}`,
    });
  }

  /** Cloudinary's signature (v2): `k=v` pairs sorted by key, `&` escaped, joined, secret appended. */
  private verify(fields: Record<string, string>): boolean {
    const timestamp = Number(fields.timestamp);
    if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 3600) return false;
    const signed = Object.entries(fields)
      .filter(([key, value]) => !UNSIGNED.has(key) && value !== '')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`.replace(/&/g, '%26'))
      .join('&');
    return (
      createHash('sha1')
        .update(signed + this.apiSecret)
        .digest('hex') === fields.signature
    );
  }
}

function readForm(req: IncomingMessage): Promise<{ fields: Record<string, string>; file?: Buffer }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    const parser = busboy({ headers: req.headers });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (_name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (file = Buffer.concat(chunks)));
    });
    parser.on('close', () => resolve({ fields, file }));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
