import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import mongoose, { type ConnectOptions } from 'mongoose';
import type { AppConfig } from '../config/app-config.js';
import { StartupError } from '../config/startup-error.js';
import type { EmbeddedMongo } from './embedded/embedded-mongo.js';

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

  /** `timeoutMs`: how long MONGODB_URI's server has to answer before the start fails. */
  async connect(timeoutMs: number): Promise<{ uri: string } & ConnectOptions> {
    if (this.settings.uri) {
      await this.checkReachable(this.settings.uri, timeoutMs);
      return { uri: this.settings.uri };
    }
    // Loaded only here: with MONGODB_URI set, the embedded server's code (some 5 MiB) stays unloaded.
    const { EmbeddedMongo } = await import('./embedded/embedded-mongo.js');
    this.embeddedServer = new EmbeddedMongo({
      dataDir: this.settings.persistEmbedded ? this.dataDir : undefined,
      journalMaxBytes: this.settings.embeddedJournalMaxBytes,
    });
    const uri = `${await this.embeddedServer.start()}/${EMBEDDED_DB_NAME}`;
    // The embedded server does not speak the streaming heartbeat protocol.
    return { uri, serverMonitoringMode: 'poll' };
  }

  /**
   * Connects once before Mongoose does, so that a wrong or unreachable MONGODB_URI stops the start with
   * one line that names it and says what to check, not the driver's error with its topology dump.
   */
  private async checkReachable(uri: string, timeoutMs: number): Promise<void> {
    const probe = mongoose.createConnection();
    try {
      // Polling: the probe needs no heartbeat, and a streaming one fails against a server that does not
      // speak it (the embedded server, reached through MONGODB_URI in tests), clearing connection pools.
      await probe.openUri(uri, {
        serverSelectionTimeoutMS: timeoutMs,
        connectTimeoutMS: timeoutMs,
        serverMonitoringMode: 'poll',
      });
    } catch (error) {
      const password = /^[^:]+:\/\/[^:@/]*:([^@/]*)@/.exec(uri)?.[1];
      let reason = (error as Error).message.split('\n')[0];
      if (password) reason = reason.split(password).join('***');
      throw new StartupError(
        `Cannot connect to the MongoDB at MONGODB_URI (${this.redactedUri()}): ${reason}. Check that its ` +
          'host and port are reachable from here and that its user and password are right, or unset ' +
          'MONGODB_URI to use the embedded server.',
      );
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  /** For the start-up log: never includes credentials. */
  describe(): string {
    if (this.settings.uri) return `external MongoDB at ${this.redactedUri()}`;
    const listener = this.embeddedServer?.describeListener() ?? 'not started';
    return this.settings.persistEmbedded
      ? `embedded MongoDB-compatible server, data journaled in ${join(this.dataDir, 'embedded-mongo')}, on ${listener}`
      : `embedded MongoDB-compatible server, in memory, on ${listener}`;
  }

  /** MONGODB_URI without its credentials and options. */
  private redactedUri(): string {
    return (this.settings.uri ?? '').replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '');
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.embeddedServer?.stop();
    } catch (error) {
      this.logger.error(`Stopping the embedded database failed: ${(error as Error).message}`);
    }
  }
}
