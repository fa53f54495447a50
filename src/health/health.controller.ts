import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { ApiExtraModels, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import { ApiError } from '../common/openapi/api-error.decorator.js';
import { RedisService } from '../redis/redis.service.js';
import { HealthIndicatorDto, HealthResponseDto } from './dto/health-response.dto.js';
import { REDIS_NOT_CONNECTED, RedisHealthIndicator, WITHOUT_REDIS } from './redis.health.js';

const DATABASE_DOWN = 'The database is not reachable';

/** A 200 report with the database up, and Redis as given. */
function report(status: HealthResponseDto['status'], redis: HealthIndicatorDto): HealthResponseDto {
  const indicators = { database: { status: 'up' as const }, redis };
  return { status, info: indicators, error: {}, details: indicators };
}

@Controller('health')
@ApiTags('Health')
@ApiExtraModels(HealthIndicatorDto)
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
  @ApiOkResponse({
    type: HealthResponseDto,
    examples: {
      ok: { summary: 'Everything answers', value: report('ok', { status: 'up' }) },
      degraded: {
        summary: 'Redis does not answer (still serving)',
        value: report('degraded', {
          status: 'degraded',
          message: `${REDIS_NOT_CONNECTED}: ${WITHOUT_REDIS}`,
        }),
      },
    },
  })
  @ApiError(503, 'The database does not answer.', DATABASE_DOWN)
  async checkHealth(): Promise<HealthResponseDto> {
    const checks = [
      () => this.mongoose.pingCheck('database', { connection: this.connection, timeout: 1000 }),
      ...(this.redis.enabled ? [() => this.redisHealth.check('redis')] : []),
    ];
    try {
      return (await this.health.check(checks)) as HealthResponseDto;
    } catch {
      throw new ServiceUnavailableException(DATABASE_DOWN);
    }
  }
}
