import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * Node.js and process metrics (CPU, memory, event loop lag, GC, handles) under prom-client's standard
 * names. Collected once per process: they describe the process, and their collectors install
 * event-loop and GC observers that cannot be removed again.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * Where this app's metrics are registered. Not prom-client's global registry: apps that share a
 * process (the e2e tests) must neither share a count nor register a name twice.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  /** What Prometheus scrapes: the process's metrics, then this app's. */
  scrape(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }
}
