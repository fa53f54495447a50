import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../common/decorators/public.decorator.js';
import { ApiError } from '../common/openapi/api-error.decorator.js';
import { MetricsRegistry } from './metrics-registry.js';
import { METRICS_TOKEN_REQUIRED, MetricsTokenGuard } from './metrics-token.guard.js';

const EXAMPLE = `# HELP chat_auth_logins_total Sign-ins (login and token routes) by result.
# TYPE chat_auth_logins_total counter
chat_auth_logins_total{result="success"} 42
chat_auth_logins_total{result="failure"} 3
`;

/** Public to the session guard: Prometheus has no session. The route exists only with METRICS_ENABLED. */
@Controller('metrics')
@ApiTags('Metrics')
@Public()
@UseGuards(MetricsTokenGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  /**
   * Prometheus metrics of this instance, in the text exposition format. Served only when
   * METRICS_ENABLED is true; when METRICS_TOKEN is set, send `Authorization: Bearer <METRICS_TOKEN>`.
   */
  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The metrics (`text/plain; version=0.0.4`).',
    content: { 'text/plain': { schema: { type: 'string' }, example: EXAMPLE } },
  })
  @ApiError(
    401,
    'METRICS_TOKEN is set and the request does not carry it as a Bearer token.',
    METRICS_TOKEN_REQUIRED,
  )
  scrapeMetrics(): Promise<string> {
    return this.metrics.scrape();
  }
}
