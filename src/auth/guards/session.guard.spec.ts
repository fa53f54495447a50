import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../common/auth-context.js';
import { SESSION_INVALID } from '../../common/openapi/api-session.decorator.js';
import type { AppConfig } from '../../config/app-config.js';
import { EmbeddedMongo } from '../../database/embedded/embedded-mongo.js';
import { CacheInvalidationBus } from '../../redis/cache-invalidation.bus.js';
import { RedisService } from '../../redis/redis.service.js';
import { User, UserSchema } from '../../users/schemas/user.schema.js';
import { UsersService } from '../../users/users.service.js';
import { SESSION_COOKIE } from '../auth.constants.js';
import { JWT_ALGORITHM, SessionAuthenticator } from '../sessions/session-authenticator.js';
import { Session, SessionSchema } from '../sessions/session.schema.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { JwtCookieStrategy } from '../strategies/jwt-cookie.strategy.js';
import { SessionGuard } from './session.guard.js';

const SESSION_LIFETIME_S = 3600;

/** A route without @Public(), as the guard sees one. */
class Routes {
  route(this: void): void {}
}

/**
 * The session guard with the cache of verified tokens (SessionAuthenticator), on the embedded database
 * with the real sessions and users services: a token the cache knows is still refused once its
 * session is revoked, its user deleted or the token itself expired.
 */
describe('SessionGuard with verified tokens cached', () => {
  const mongo = new EmbeddedMongo();
  const secret = randomBytes(32).toString('hex');
  const config = new ConfigService<AppConfig, true>({
    auth: { jwtSecret: secret, jwtExpiresInSeconds: SESSION_LIFETIME_S },
    redis: { keyPrefix: 'unit-guard:' },
  });
  let moduleRef: TestingModule;
  let guard: SessionGuard;
  let authenticator: SessionAuthenticator;
  let sessions: SessionsService;
  let users: UsersService;
  let jwt: JwtService;

  beforeAll(async () => {
    const uri = await mongo.start();
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(`${uri}/guard`, { serverMonitoringMode: 'poll' }),
        MongooseModule.forFeature([
          { name: Session.name, schema: SessionSchema },
          { name: User.name, schema: UserSchema },
        ]),
        PassportModule,
        JwtModule.register({ secret, signOptions: { algorithm: JWT_ALGORITHM } }),
      ],
      providers: [
        SessionGuard,
        JwtCookieStrategy,
        SessionAuthenticator,
        SessionsService,
        UsersService,
        RedisService,
        CacheInvalidationBus,
        EventEmitter2,
        Reflector,
        { provide: ConfigService, useValue: config },
      ],
    }).compile();
    await moduleRef.init();
    guard = moduleRef.get(SessionGuard);
    authenticator = moduleRef.get(SessionAuthenticator);
    sessions = moduleRef.get(SessionsService);
    users = moduleRef.get(UsersService);
    jwt = moduleRef.get(JwtService);
  });
  afterAll(async () => {
    await moduleRef.close();
    await mongo.stop();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A user with a live session, and its token (signed as the sign-in pipeline signs it). */
  async function signedIn(tokenLifetimeS = SESSION_LIFETIME_S) {
    const user = await users.create({
      email: `guard-${randomBytes(6).toString('hex')}@example.com`,
      fullName: 'Guard Test',
      passwordHash: 'not-a-real-hash',
    });
    const session = await sessions.create(user._id, {});
    const claims = {
      sub: user._id.toHexString(),
      sid: session._id.toHexString(),
      exp: Math.floor(Date.now() / 1000) + tokenLifetimeS,
    };
    const token = await jwt.signAsync(claims, { algorithm: JWT_ALGORITHM });
    return { user, session, token };
  }

  /** The guard's answer to a request carrying `token` in the session cookie: the session, or the 401's message. */
  async function guardAnswer(token: string): Promise<AuthContext | string> {
    const req = { cookies: { [SESSION_COOKIE]: token }, headers: {} } as unknown as Request;
    const context = new ExecutionContextHost([req, {}, () => undefined], Routes, Routes.prototype.route);
    try {
      await guard.canActivate(context);
      return req.user as AuthContext;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Lets a token through once, and checks that it is then served from the cache. */
  async function acceptedAndCached(token: string, sid: string): Promise<void> {
    const auth = await guardAnswer(token);
    expect(typeof auth === 'object' && auth.session._id.toHexString()).toBe(sid);
    expect(authenticator.verifiedPayload(token)).toMatchObject({ sid });
    // Served from the cache this time (no signature check), and still accepted.
    const again = await guardAnswer(token);
    expect(typeof again === 'object' && again.session._id.toHexString()).toBe(sid);
  }

  it('refuses the cached token of a revoked session, even when the cache still holds it', async () => {
    const { session, token } = await signedIn();
    const sid = session._id.toHexString();
    await acceptedAndCached(token, sid);
    const payload = authenticator.verifiedPayload(token);

    await sessions.revoke(session._id);
    expect(authenticator.verifiedPayload(token)).toBeUndefined();
    expect(await guardAnswer(token)).toBe(SESSION_INVALID);

    // A verification that was in flight during the revocation may put the token back: still refused.
    authenticator.remember(token, payload);
    expect(authenticator.verifiedPayload(token)).toBeDefined();
    expect(await guardAnswer(token)).toBe(SESSION_INVALID);
    expect(authenticator.verifiedPayload(token)).toBeUndefined();
  });

  it('refuses the cached tokens of every session ended by a logout everywhere but the current one', async () => {
    const { user, session, token } = await signedIn();
    const other = await sessions.create(user._id, {});
    const otherToken = await jwt.signAsync(
      { sub: user._id.toHexString(), sid: other._id.toHexString(), exp: Math.floor(Date.now() / 1000) + 600 },
      { algorithm: JWT_ALGORITHM },
    );
    await acceptedAndCached(token, session._id.toHexString());
    await acceptedAndCached(otherToken, other._id.toHexString());

    await sessions.revokeAll(user._id, session._id);
    expect(await guardAnswer(otherToken)).toBe(SESSION_INVALID);
    const kept = await guardAnswer(token);
    expect(typeof kept === 'object' && kept.session._id.toHexString()).toBe(session._id.toHexString());
  });

  it('refuses the cached token of a deleted user, even when the cache still holds it', async () => {
    const { user, session, token } = await signedIn();
    await acceptedAndCached(token, session._id.toHexString());
    const payload = authenticator.verifiedPayload(token);

    await users.delete(user._id);
    expect(authenticator.verifiedPayload(token)).toBeUndefined();
    expect(await guardAnswer(token)).toBe(SESSION_INVALID);

    authenticator.remember(token, payload);
    expect(await guardAnswer(token)).toBe(SESSION_INVALID);
  });

  it('refuses a cached token once it has expired, though its session lives on', async () => {
    const { session, token } = await signedIn(60);
    await acceptedAndCached(token, session._id.toHexString());

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 59_000);
    const before = await guardAnswer(token);
    expect(typeof before === 'object' && before.session._id.toHexString()).toBe(session._id.toHexString());

    vi.setSystemTime(Date.now() + 1_000);
    expect(authenticator.verifiedPayload(token)).toBeUndefined();
    expect(await guardAnswer(token)).toBe(SESSION_INVALID);
    // The session itself is still live: only the token's own expiry refused it.
    expect(await sessions.findActive(session._id.toHexString(), session.user.toHexString())).not.toBeNull();
  });
});
