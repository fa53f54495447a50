import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter } from 'prom-client';
import { DATABASE_ERROR, type DatabaseErrorEvent } from '../database/database-errors.js';
import { MetricsRegistry } from './metrics-registry.js';

const KINDS: Array<DatabaseErrorEvent['kind']> = ['unavailable', 'query'];

@Injectable()
export class DatabaseMetrics {
  private readonly errors: Counter<'kind'>;

  constructor({ registry }: MetricsRegistry) {
    this.errors = new Counter({
      name: 'chat_auth_database_errors_total',
      help: 'Requests failed by the database: unavailable (unreachable, answered 503) or query (it answered an error, 500).',
      labelNames: ['kind'],
      registers: [registry],
    });
    for (const kind of KINDS) this.errors.inc({ kind }, 0);
  }

  @OnEvent(DATABASE_ERROR)
  countError({ kind }: DatabaseErrorEvent): void {
    this.errors.inc({ kind });
  }
}
