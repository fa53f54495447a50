import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { routeTemplateOf } from '../logging/http-logger.js';
import { MetricsRegistry } from './metrics-registry.js';

/** The route label of requests no route handled (unknown paths, static files). */
export const UNMATCHED_ROUTE = 'unmatched';

@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor({ registry }: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'chat_auth_http_request_duration_seconds',
      help: 'Time from a request to the end of its response, by method, route template and status class (2xx...).',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
  }

  /**
   * Called by the access logger's middleware (the first one) when a response has finished: every
   * answer is measured, 404s, guard refusals and body-parser errors included. Paths that no route
   * handled share one label value, so that scanners cannot grow the number of series.
   */
  readonly observe = (req: Request, res: Response, seconds: number): void => {
    this.duration.observe(
      {
        method: req.method,
        route: routeTemplateOf(req) ?? UNMATCHED_ROUTE,
        status: `${Math.floor(res.statusCode / 100)}xx`,
      },
      seconds,
    );
  };
}
