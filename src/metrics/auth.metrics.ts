import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter, Gauge, Histogram } from 'prom-client';
import { SECURITY_EVENT, type SecurityEvent } from '../audit/security-event.js';
import { SIGN_IN_BUCKET } from '../auth/auth.constants.js';
import { BCRYPT_TIMED, type BcryptTimedEvent, PasswordHasher } from '../auth/password/password-hasher.js';
import {
  REQUEST_THROTTLED,
  type RequestThrottledEvent,
  SESSIONS_REVOKED,
  type SessionsRevokedEvent,
} from '../common/events/auth.events.js';
import { CacheInvalidationBus } from '../redis/cache-invalidation.bus.js';
import { MetricsRegistry } from './metrics-registry.js';

const LOGIN_RESULTS = ['success', 'failure', 'locked', 'rate_limited'] as const;
type LoginResult = (typeof LOGIN_RESULTS)[number];
const SECOND_FACTOR_RESULTS = ['success', 'failure', 'locked'] as const;
const SECOND_FACTOR_METHODS = ['totp', 'recovery_code'] as const;

/** Sign-ins, signups, revocations, bcrypt and the auth caches: counted from the events auth announces. */
@Injectable()
export class AuthMetrics {
  private readonly logins: Counter<'result'>;
  private readonly signups: Counter;
  private readonly secondFactors: Counter<'result' | 'method'>;
  private readonly sessionsRevoked: Counter;
  private readonly bcryptDuration: Histogram<'operation'>;

  constructor({ registry }: MetricsRegistry, hasher: PasswordHasher, caches: CacheInvalidationBus) {
    const registers = [registry];
    this.logins = new Counter({
      name: 'chat_auth_logins_total',
      help: 'Sign-ins (login and token routes) by result: success, failure (wrong credentials), locked (a failed-password limit), rate_limited (per-client limit).',
      labelNames: ['result'],
      registers,
    });
    // Every series from the start, so that the first increase of each shows in rate().
    for (const result of LOGIN_RESULTS) this.logins.inc({ result }, 0);
    this.signups = new Counter({ name: 'chat_auth_signups_total', help: 'Accounts created.', registers });
    this.secondFactors = new Counter({
      name: 'chat_auth_second_factor_verifications_total',
      help: 'Second factors checked at sign-in (verify, and the token route with otp) by result: success, failure (wrong or used code), locked (per-account limit); and by method: totp or recovery_code.',
      labelNames: ['result', 'method'],
      registers,
    });
    for (const result of SECOND_FACTOR_RESULTS) {
      for (const method of SECOND_FACTOR_METHODS) this.secondFactors.inc({ result, method }, 0);
    }
    this.sessionsRevoked = new Counter({
      name: 'chat_auth_sessions_revoked_total',
      help: 'Sessions ended on the server: logout, revocation, logout-all, password change or reset, account deletion.',
      registers,
    });
    this.bcryptDuration = new Histogram({
      name: 'chat_auth_bcrypt_duration_seconds',
      help: 'Time of one bcrypt run (hash or verify), excluding the wait for a free slot.',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    new Gauge({
      name: 'chat_auth_bcrypt_queue_length',
      help: 'Password checks and hashes waiting for a free bcrypt slot (one per core but one).',
      registers,
      collect() {
        this.set(hasher.queueLength);
      },
    });
    new Counter({
      name: 'chat_auth_cache_requests_total',
      help: 'Reads of the in-process auth caches (sessions, users) by result: hit (served from memory) or miss (read from the database).',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        // The caches keep their own counts; they are copied at each scrape.
        this.reset();
        for (const { name, hits, misses } of caches.stats()) {
          this.inc({ cache: name, result: 'hit' }, hits);
          this.inc({ cache: name, result: 'miss' }, misses);
        }
      },
    });
    new Gauge({
      name: 'chat_auth_cache_hit_ratio',
      help: 'Hits / reads of each auth cache since start (absent before its first read).',
      labelNames: ['cache'],
      registers,
      collect() {
        this.reset();
        for (const { name, hits, misses } of caches.stats()) {
          if (hits + misses > 0) this.set({ cache: name }, hits / (hits + misses));
        }
      },
    });
  }

  @OnEvent(SECURITY_EVENT)
  countSecurityEvent({ type, reason, secondFactor }: SecurityEvent): void {
    if (type === 'signup') this.signups.inc();
    else if (type === 'login.succeeded') this.countLogin('success');
    else if (type === 'login.failed') this.countLogin(reason === 'locked' ? 'locked' : 'failure');
    if (!secondFactor) return;
    if (type === 'login.succeeded') this.secondFactors.inc({ result: 'success', method: secondFactor });
    else if (type === 'login.2fa_failed') {
      this.secondFactors.inc({ result: reason === 'locked' ? 'locked' : 'failure', method: secondFactor });
    }
  }

  /** The per-client limit answers 429 before any service runs, so no security event tells of it. */
  @OnEvent(REQUEST_THROTTLED)
  countThrottled({ bucket }: RequestThrottledEvent): void {
    if (bucket === SIGN_IN_BUCKET) this.countLogin('rate_limited');
  }

  @OnEvent(SESSIONS_REVOKED)
  countRevoked({ sessionIds }: SessionsRevokedEvent): void {
    this.sessionsRevoked.inc(sessionIds.length);
  }

  @OnEvent(BCRYPT_TIMED)
  observeBcrypt({ operation, seconds }: BcryptTimedEvent): void {
    this.bcryptDuration.observe({ operation }, seconds);
  }

  private countLogin(result: LoginResult): void {
    this.logins.inc({ result });
  }
}
