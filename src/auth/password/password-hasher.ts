import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import bcrypt from 'bcrypt';
import { createHmac, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { AppConfig } from '../../config/app-config.js';
import { Semaphore } from '../../common/concurrency/semaphore.js';

/**
 * Current scheme: bcrypt over base64(HMAC-SHA-384(pepper, password)). The pre-hash keeps every byte of
 * long passwords (bcrypt alone ignores all past 72 bytes) and the pepper keeps a leaked database
 * useless without the server's secret. The prefix names the scheme so it can evolve.
 */
const SCHEME_PREFIX = '$hmac-sha384-bcrypt$';
const LEGACY_BCRYPT = /^\$2[aby]\$\d{2}\$/;

/** Announced after every bcrypt run, with its duration (queue wait excluded), for metrics. */
export const BCRYPT_TIMED = 'bcrypt.timed';

export interface BcryptTimedEvent {
  operation: 'hash' | 'verify';
  seconds: number;
}

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash uses an older scheme or cost: store hash(password) now that we know it. */
  needsRehash: boolean;
}

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly cost: number;
  private readonly pepper: string;
  /** bcrypt runs on the libuv pool; leave a core for the event loop so other requests stay fast. */
  private readonly slots = new Semaphore(Math.max(1, availableParallelism() - 1));
  private dummyHash?: Promise<string>;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly events: EventEmitter2,
  ) {
    const auth = config.get('auth', { infer: true });
    this.cost = auth.bcryptCost;
    this.pepper = auth.passwordPepper;
  }

  onModuleInit(): void {
    this.dummyHash = this.hash(randomBytes(32).toString('base64'));
  }

  async hash(password: string): Promise<string> {
    return SCHEME_PREFIX + (await this.bcrypt('hash', () => bcrypt.hash(this.prehash(password), this.cost)));
  }

  /** Checks waiting for a free bcrypt slot right now. */
  get queueLength(): number {
    return this.slots.queueLength;
  }

  async verify(password: string, stored: string): Promise<PasswordCheck> {
    if (stored.startsWith(SCHEME_PREFIX)) {
      const inner = stored.slice(SCHEME_PREFIX.length);
      const valid = await this.bcrypt('verify', () => bcrypt.compare(this.prehash(password), inner));
      return { valid, needsRehash: valid && bcrypt.getRounds(inner) !== this.cost };
    }
    if (LEGACY_BCRYPT.test(stored)) {
      // Hashes written by the reference backend: plain bcrypt of the raw password.
      const valid = await this.bcrypt('verify', () => bcrypt.compare(password, stored));
      return { valid, needsRehash: valid };
    }
    return { valid: false, needsRehash: false };
  }

  /** Spends the time of a real check, so an unknown email cannot be told from a wrong password. */
  async verifyDummy(password: string): Promise<void> {
    await this.verify(password, await this.dummyHash!);
  }

  /** Runs one bcrypt operation in a free slot and announces how long it took. */
  private bcrypt<T>(operation: BcryptTimedEvent['operation'], run: () => Promise<T>): Promise<T> {
    return this.slots.run(async () => {
      const started = performance.now();
      try {
        return await run();
      } finally {
        const event: BcryptTimedEvent = { operation, seconds: (performance.now() - started) / 1000 };
        this.events.emit(BCRYPT_TIMED, event);
      }
    });
  }

  private prehash(password: string): string {
    return createHmac('sha384', this.pepper).update(password, 'utf8').digest('base64');
  }
}
