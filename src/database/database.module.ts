import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
import { DatabaseServer } from './database-server.js';

/** A lost database must fail requests within seconds (503), not hang them. */
const DATABASE_TIMEOUT_MS = 2500;
/**
 * Mongoose queues queries while it sees the server as down, and only the driver's monitor notices
 * the server is back: check every second, not every 10 s (the default), so recovery is prompt.
 */
const HEARTBEAT_FREQUENCY_MS = 1000;

@Module({ providers: [DatabaseServer], exports: [DatabaseServer] })
class DatabaseServerModule {}

@Module({
  imports: [
    DatabaseServerModule,
    MongooseModule.forRootAsync({
      imports: [DatabaseServerModule],
      inject: [DatabaseServer],
      useFactory: async (server: DatabaseServer) => {
        // Second line of defence behind DTO validation: no operator injection through filters
        // (our own query operators are wrapped in mongoose.trusted()).
        mongoose.set('sanitizeFilter', true);
        mongoose.set('strictQuery', true);
        return {
          ...(await server.connect(DATABASE_TIMEOUT_MS)),
          serverSelectionTimeoutMS: DATABASE_TIMEOUT_MS,
          connectTimeoutMS: DATABASE_TIMEOUT_MS,
          bufferTimeoutMS: DATABASE_TIMEOUT_MS,
          heartbeatFrequencyMS: HEARTBEAT_FREQUENCY_MS,
          retryAttempts: 1,
        };
      },
    }),
  ],
  exports: [DatabaseServerModule],
})
export class DatabaseModule {}
