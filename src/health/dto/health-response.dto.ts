import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class HealthIndicatorDto {
  /**
   * `degraded`: not answering, but the instance still serves correctly without it (Redis).
   * @example up
   */
  status: 'up' | 'degraded';
  /**
   * Milliseconds the check took.
   * @example 2
   */
  responseTime?: number;
  /** Why the indicator is degraded. */
  message?: string;
}

const indicators = (description: string, example: object) =>
  ApiProperty({
    description,
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(HealthIndicatorDto) },
    example,
  });
const UP = { database: { status: 'up' }, redis: { status: 'up' } };

/**
 * The health report (Terminus): one entry per indicator, `database` and, with REDIS_URL set,
 * `redis`. A 200 has no indicator that is down.
 */
export class HealthResponseDto {
  /**
   * `degraded` when an indicator is (Redis not answering): still 200, the instance keeps serving.
   * @example ok
   */
  status: 'ok' | 'degraded';
  @indicators('The indicators that are up or degraded.', UP)
  info: Record<string, HealthIndicatorDto>;
  @indicators('The indicators that are down (always empty in a 200).', {})
  error: Record<string, HealthIndicatorDto>;
  @indicators('Every indicator.', UP)
  details: Record<string, HealthIndicatorDto>;
}
