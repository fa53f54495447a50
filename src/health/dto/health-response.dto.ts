import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class HealthIndicatorDto {
  /** @example up */
  status: string;
  /**
   * Milliseconds the check took.
   * @example 2
   */
  responseTime?: number;
  /** Why the indicator is down. */
  message?: string;
}

const indicators = (description: string, example: object) =>
  ApiProperty({
    description,
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(HealthIndicatorDto) },
    example,
  });
const UP = { database: { status: 'up' } };

/** The health report (Terminus): one entry per indicator, here only `database`. */
export class HealthResponseDto {
  /** @example ok */
  status: string;
  @indicators('The indicators that are up.', UP)
  info: Record<string, HealthIndicatorDto>;
  @indicators('The indicators that are down (empty in a 200).', {})
  error: Record<string, HealthIndicatorDto>;
  @indicators('Every indicator.', UP)
  details: Record<string, HealthIndicatorDto>;
}
