import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp } from '../support/app/test-app.js';

const DEV_FRONTEND = 'http://localhost:5173';

describe('CORS_ORIGINS set empty (e2e)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp({ CORS_ORIGINS: '' });
  });
  afterAll(() => app.close());

  it('allows no other origin, not even the development frontend of the default', async () => {
    const res = await request(app.getHttpServer())
      .options('/api/auth/login')
      .set('Origin', DEV_FRONTEND)
      .set('Access-Control-Request-Method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(app.getHttpServer()).get('/api/health').set('Origin', DEV_FRONTEND);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});
