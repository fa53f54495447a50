import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ChatModule } from '../chat/chat.module.js';
import { AuthMetrics } from './auth.metrics.js';
import { ChatMetrics } from './chat.metrics.js';
import { DatabaseMetrics } from './database.metrics.js';
import { HttpMetrics } from './http.metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRegistry } from './metrics-registry.js';

/**
 * Prometheus metrics at GET /api/metrics. The features it watches do not know it: it counts the
 * events they announce and reads their levels (bcrypt queue, caches, sockets) at scrape time.
 */
@Module({})
export class MetricsModule {
  /** Disabled, the module is empty: no route (a 404 like any unknown one), no listener, no middleware. */
  static register(enabled: boolean): DynamicModule {
    if (!enabled) return { module: MetricsModule };
    return {
      module: MetricsModule,
      imports: [AuthModule, ChatModule],
      controllers: [MetricsController],
      providers: [MetricsRegistry, HttpMetrics, AuthMetrics, ChatMetrics, DatabaseMetrics],
      exports: [HttpMetrics],
    };
  }
}
