import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /** Liveness and readiness: 200 when the database answers a ping within a second. */
  @Public()
  @Get()
  @ApiServiceUnavailableResponse({ description: 'The database does not answer.' })
  async check() {
    try {
      return await this.health.check([() => this.mongoose.pingCheck('database', { connection: this.connection, timeout: 1000 })]);
    } catch {
      throw new ServiceUnavailableException('The database is not reachable');
    }
  }
}
