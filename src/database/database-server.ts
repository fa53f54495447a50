import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import type { ConnectOptions } from 'mongoose';
import type { AppConfig } from '../config/app-config.js';
import { EmbeddedMongo } from './embedded/embedded-mongo.js';

const EMBEDDED_DB_NAME = 'chat';

/** Decides which MongoDB the app talks to: MONGODB_URI, or the embedded server started here. */
@Injectable()
export class DatabaseServer implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseServer.name);
  private readonly settings: AppConfig['database'];
  private readonly dataDir: string;
  private embeddedServer?: EmbeddedMongo;

  constructor(config: ConfigService<AppConfig, true>) {
    this.settings = config.get('database', { infer: true });
    this.dataDir = config.get('app.dataDir', { infer: true });
  }

  /** The embedded server, when one runs (tests stop it to simulate an outage). */
  get embedded(): EmbeddedMongo | undefined {
    return this.embeddedServer;
  }

  async connect(): Promise<{ uri: string } & ConnectOptions> {
    if (this.settings.uri) return { uri: this.settings.uri };
    this.embeddedServer = new EmbeddedMongo({
      dataDir: this.settings.persistEmbedded ? this.dataDir : undefined,
      journalMaxBytes: this.settings.embeddedJournalMaxBytes,
    });
    const uri = `${await this.embeddedServer.start()}/${EMBEDDED_DB_NAME}`;
    // The embedded server does not speak the streaming heartbeat protocol.
    return { uri, serverMonitoringMode: 'poll' };
  }

  /** For the start-up log: never includes credentials. */
  describe(): string {
    if (this.settings.uri) {
      return `external MongoDB at ${this.settings.uri.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '')}`;
    }
    const listener = this.embeddedServer?.describeListener() ?? 'not started';
    return this.settings.persistEmbedded
      ? `embedded MongoDB-compatible server, data journaled in ${join(this.dataDir, 'embedded-mongo')}, on ${listener}`
      : `embedded MongoDB-compatible server, in memory, on ${listener}`;
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.embeddedServer?.stop();
    } catch (error) {
      this.logger.error(`Stopping the embedded database failed: ${(error as Error).message}`);
    }
  }
}
