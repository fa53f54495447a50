import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { RedisService } from '../redis/redis.service.js';
import { RedisHealthIndicator } from './redis.health.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly redisHealth: RedisHealthIndicator,
    private readonly redis: RedisService,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /**
   * Liveness and readiness: 200 when the database answers a ping within a second. With REDIS_URL
   * set Redis is reported too; when it does not answer the status is `degraded`, still 200, because
   * the instance keeps serving correctly on its own.
   */
  @Public()
  @Get()
  @ApiServiceUnavailableResponse({ description: 'The database does not answer.' })
  async check() {
    const checks = [
      () => this.mongoose.pingCheck('database', { connection: this.connection, timeout: 1000 }),
      ...(this.redis.enabled ? [() => this.redisHealth.check('redis')] : []),
    ];
    try {
      return await this.health.check(checks);
    } catch {
      throw new ServiceUnavailableException('The database is not reachable');
    }
  }
}
