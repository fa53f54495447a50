import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { appOptions, configureApp, createHttpAdapter } from '../../src/app.setup.js';
import { Public } from '../../src/common/decorators/public.decorator.js';
import { EMBEDDED_DB, TEST_ENV } from '../support/app/test-app.js';

/** What `nest g resource` generates: a DTO class with no fields and no decorators yet. */
class CreateThingDto {}

/** A DTO with one required field, for the missing-body case. */
class NamedThingDto {
  @IsString()
  name: string;
}

/** Test-only routes, mounted on the real AppModule and pipeline. */
@Public()
@Controller('test-things')
class ThingsController {
  @Post()
  create(@Body() dto: CreateThingDto) {
    return { isDto: dto instanceof CreateThingDto, fields: Object.keys(dto) };
  }

  @Post('named')
  @HttpCode(200)
  named(@Body() dto: NamedThingDto) {
    return { name: dto.name };
  }
}

describe('A route whose DTO has no fields yet (e2e)', () => {
  let app: NestExpressApplication;
  const post = (path: string) => request(app.getHttpServer()).post(`/api/test-things${path}`);
  const error = (message: string) => ({
    statusCode: 400,
    message,
    error: 'Bad Request',
    requestId: expect.any(String),
  });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ ignoreEnvFile: true, env: { ...TEST_ENV, ...EMBEDDED_DB } })],
      controllers: [ThingsController],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>(createHttpAdapter(), appOptions);
    configureApp(app);
    await app.init();
  });
  afterAll(() => app?.close());

  it('takes {} (a JSON object) and hands the handler an instance of the DTO', async () => {
    const res = await post('').send({}).expect(201);
    expect(res.body).toEqual({ isDto: true, fields: [] });
  });

  it('still refuses a field the DTO does not declare', async () => {
    const res = await post('').send({ name: 'x' }).expect(400);
    expect(res.body).toEqual({
      ...error('name is not an allowed field'),
      errors: [{ field: 'name', message: 'name is not an allowed field' }],
    });
  });

  it.each([
    ['an array', '[]'],
    ['an array of objects', '[{}]'],
    ['a string', '"abc"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
  ])('refuses a body that is %s with a 400 that says what is wrong', async (_name, raw) => {
    const res = await post('').set('Content-Type', 'application/json').send(raw).expect(400);
    expect(res.body).toEqual(error('The request body must be a JSON object'));
  });

  it('takes a request with no body as {}, as for any DTO whose fields are all optional', async () => {
    const res = await post('').expect(201);
    expect(res.body).toEqual({ isDto: true, fields: [] });
  });

  it('refuses a missing body where the DTO requires a field', async () => {
    const res = await post('/named').expect(400);
    expect(res.body.message).toBe('name must be a string');
    await post('/named').send({ name: 'kettle' }).expect(200, { name: 'kettle' });
  });
});
