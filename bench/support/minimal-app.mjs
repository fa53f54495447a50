// The ceiling for bench/ceiling.mjs: the smallest NestJS app on the same installed @nestjs/core,
// @nestjs/common and @nestjs/platform-express, with one route, GET /api/auth/check, answering the
// JSON it is given (MINIMAL_BODY) exactly as the project's check-auth does (Nest's own res.json).
// No middleware, guard, logger, metrics or headers of its own. Env: PORT, MINIMAL_BODY.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const body = JSON.parse(process.env.MINIMAL_BODY ?? '{}');

// Decorators applied by hand: plain JavaScript has no decorator syntax.
class CheckController {
  check() {
    return body;
  }
}
Controller('api/auth')(CheckController);
Get('check')(
  CheckController.prototype,
  'check',
  Object.getOwnPropertyDescriptor(CheckController.prototype, 'check'),
);

class MinimalModule {}
Module({ controllers: [CheckController] })(MinimalModule);

const app = await NestFactory.create(MinimalModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT), '127.0.0.1');
process.send?.('ready');
