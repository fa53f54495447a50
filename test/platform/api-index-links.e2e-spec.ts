import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp } from '../support/app/test-app.js';

const API_URL = 'https://api.chat.example';

describe('GET /api links (e2e)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({ API_URL, TRUST_PROXY: 'true' });
  });
  afterAll(() => app.close());

  it('builds every link from API_URL, whatever Host and X-Forwarded-* the request forges', async () => {
    const res = await request(app.getHttpServer())
      .get('/api')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'http')
      .expect(200);
    expect(res.body).toMatchObject({
      docs: `${API_URL}/api/docs`,
      openapi: `${API_URL}/api/docs-json`,
      health: `${API_URL}/api/health`,
    });
    expect(JSON.stringify(res.body)).not.toContain('evil.example');
  });
});
