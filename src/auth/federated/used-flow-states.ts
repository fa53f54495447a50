import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { Clock } from '../../common/clock.js';
import { secretDigest } from '../../common/crypto/secret-digest.js';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { RedisService } from '../../redis/redis.service.js';
import { UsedFlowState } from './schemas/used-flow-state.schema.js';

/** Expired states are swept at most this often per instance. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Each flow's state works once, on whichever instance its callback lands: recorded in Redis when
 * REDIS_URL is set (SET NX, expiring with the flow), otherwise, or while Redis is unreachable, in the
 * database (a unique index). Only callbacks write here, never the start of a flow.
 */
@Injectable()
export class UsedFlowStates implements OnModuleInit {
  private readonly logger = new Logger(UsedFlowStates.name);
  private lastSweep = 0;

  constructor(
    @InjectModel(UsedFlowState.name) private readonly states: Model<UsedFlowState>,
    private readonly redis: RedisService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.states.init();
  }

  /** True the first time `state` is used; false for a replay. */
  async use(state: string, expiresAt: Date): Promise<boolean> {
    const id = secretDigest(state);
    const ttlMs = Math.max(1, expiresAt.getTime() - this.clock.now().getTime());
    if (this.redis.client && this.redis.isReady()) {
      try {
        return (await this.redis.client.set(`federated-state:${id}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
      } catch (error) {
        this.logger.warn(
          `Redis refused a used state, recording it in the database: ${(error as Error).message}`,
        );
      }
    }
    await this.sweep();
    try {
      await this.states.create({ stateHash: id, expiresAt });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  private async sweep(): Promise<void> {
    const now = this.clock.now();
    if (now.getTime() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now.getTime();
    await this.states.deleteMany({ expiresAt: trusted({ $lte: now }) }).exec();
  }
}
