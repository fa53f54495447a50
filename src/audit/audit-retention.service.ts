import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import type { AppConfig } from '../config/app-config.js';
import { AuditEvent, retentionSeconds } from './audit-event.schema.js';

/** How often expired events are deleted (the embedded server has no TTL monitor). */
export const AUDIT_SWEEP_INTERVAL_MS = 5 * 60_000;

/**
 * Keeps `auditevents` within AUDIT_RETENTION_DAYS. On real MongoDB the TTL index does it; this
 * service also deletes expired events at start and every five minutes, which is what the embedded
 * server relies on and costs a real server one index range scan. At start it also moves an existing
 * TTL index to a changed retention: MongoDB refuses to re-create an index with other options.
 */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetention.name);
  private readonly retentionMs: number;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.retentionMs = retentionSeconds(config.get('audit.retentionDays', { infer: true })) * 1000;
  }

  onApplicationBootstrap(): void {
    // In the background: a slow database must not hold the start-up.
    this.running = this.alignTtlIndex().then(() => this.sweepQuietly());
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sweepQuietly());
    }, AUDIT_SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep under way, before the database connection closes. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes the events older than the retention; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    const { deletedCount } = await this.events.deleteMany({ at: trusted({ $lt: cutoff }) }).exec();
    return deletedCount;
  }

  private async sweepQuietly(): Promise<void> {
    try {
      const deleted = await this.sweep();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} security events past retention`);
    } catch (error) {
      this.logger.warn(`Deleting expired security events failed: ${(error as Error).message}`);
    }
  }

  private async alignTtlIndex(): Promise<void> {
    const expireAfterSeconds = this.retentionMs / 1000;
    try {
      // Rejects when an index on `at` exists with another expireAfterSeconds (a changed retention).
      await this.events.init().catch(() => undefined);
      const indexes = (await this.events.listIndexes()) as Array<{
        key: object;
        expireAfterSeconds?: number;
      }>;
      const ttl = indexes.find((index) => JSON.stringify(index.key) === '{"at":1}');
      if (!ttl || ttl.expireAfterSeconds === expireAfterSeconds) return;
      await this.events.db.db!.command({
        collMod: this.events.collection.collectionName,
        index: { keyPattern: { at: 1 }, expireAfterSeconds },
      });
      this.logger.log(
        `Security events now expire after ${expireAfterSeconds} s (was ${ttl.expireAfterSeconds} s)`,
      );
    } catch (error) {
      this.logger.warn(`Could not check the security events' TTL index: ${(error as Error).message}`);
    }
  }
}
