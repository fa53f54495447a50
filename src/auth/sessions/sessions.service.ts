import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectModel } from '@nestjs/mongoose';
import { isValidObjectId, Model, trusted, Types } from 'mongoose';
import { SESSIONS_REVOKED, type SessionsRevokedEvent } from '../../common/events/auth.events.js';
import { AUTH_CACHE_TTL_MS } from '../../redis/expiring-cache.js';
import type { SharedCache } from '../../redis/shared-cache.js';
import type { AppConfig } from '../../config/app-config.js';
import { CacheInvalidationBus } from '../../redis/cache-invalidation.bus.js';
import type { SessionRecord } from '../../common/auth-context.js';
import { type ClientInfo, USER_AGENT_MAX_LENGTH } from '../../common/http/client-info.js';
import { Session } from './session.schema.js';

/** lastSeenAt is written at most this often per session, not on every request. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly logger = new Logger(SessionsService.name);
  /** Sessions by id, tagged by user; every revocation below reaches every instance's copy. */
  private readonly cache: SharedCache<SessionRecord>;
  private readonly lifetimeMs: number;

  constructor(
    @InjectModel(Session.name) private readonly sessions: Model<Session>,
    config: ConfigService<AppConfig, true>,
    invalidation: CacheInvalidationBus,
    private readonly events: EventEmitter2,
  ) {
    this.lifetimeMs = config.get('auth.jwtExpiresInSeconds', { infer: true }) * 1000;
    this.cache = invalidation.createCache<SessionRecord>('sessions', AUTH_CACHE_TTL_MS, (session) =>
      session.user.toHexString(),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.sessions.init();
  }

  async create(userId: Types.ObjectId, client: ClientInfo): Promise<SessionRecord> {
    const now = new Date();
    const session = await this.sessions.create({
      user: userId,
      expiresAt: new Date(now.getTime() + this.lifetimeMs),
      lastSeenAt: now,
      userAgent: (client.userAgent ?? '').slice(0, USER_AGENT_MAX_LENGTH),
      ip: client.ip ?? '',
    });
    return session.toObject();
  }

  /** The live session `sid` of user `userId`, or null when it was revoked, has expired or is not theirs. */
  async findActive(sid: string, userId: string): Promise<SessionRecord | null> {
    if (!isValidObjectId(sid)) return null;
    const session = await this.cache.getOrLoad(sid, () =>
      this.sessions.findById(sid).lean<SessionRecord>().exec(),
    );
    return this.activeOrNull(session, sid, userId);
  }

  /** findActive() answered from memory, without a promise: undefined when the session is not there. */
  findActiveInMemory(sid: string, userId: string): SessionRecord | null | undefined {
    const session = this.cache.peek(sid);
    return session === undefined ? undefined : this.activeOrNull(session, sid, userId);
  }

  private activeOrNull(session: SessionRecord | null, sid: string, userId: string): SessionRecord | null {
    if (!session || session.user.toHexString() !== userId) return null;
    if (session.expiresAt.getTime() <= Date.now()) {
      this.cache.deleteLocal(sid);
      return null;
    }
    this.touch(session);
    return session;
  }

  listForUser(userId: Types.ObjectId): Promise<SessionRecord[]> {
    return this.sessions
      .find({ user: userId, expiresAt: trusted({ $gt: new Date() }) })
      .sort({ createdAt: -1 })
      .lean<SessionRecord[]>()
      .exec();
  }

  /** Ends one session; true when it was still live. */
  async revoke(sid: Types.ObjectId): Promise<boolean> {
    const revoked = await this.sessions
      .findOneAndDelete({ _id: sid })
      .select('user')
      .lean<Pick<SessionRecord, 'user'>>()
      .exec();
    await this.cache.delete(sid.toHexString());
    if (revoked) this.announceRevoked(revoked.user, [sid]);
    return revoked !== null;
  }

  /** Revokes one of the user's own sessions; false when there is no such session of theirs. */
  async revokeOwn(userId: Types.ObjectId, sid: Types.ObjectId): Promise<boolean> {
    const { deletedCount } = await this.sessions.deleteOne({ _id: sid, user: userId }).exec();
    await this.cache.delete(sid.toHexString());
    if (deletedCount > 0) this.announceRevoked(userId, [sid]);
    return deletedCount > 0;
  }

  /** Revokes every session of the user except `keep`, if given. */
  async revokeAll(userId: Types.ObjectId, keep?: Types.ObjectId): Promise<void> {
    const filter = keep ? { user: userId, _id: trusted({ $ne: keep }) } : { user: userId };
    // The ids first, so the event can name them; a session created meanwhile is not revoked.
    const found = await this.sessions
      .find(filter)
      .select('_id')
      .lean<Array<Pick<SessionRecord, '_id'>>>()
      .exec();
    const ids = found.map((session) => session._id);
    if (ids.length > 0) await this.sessions.deleteMany({ _id: trusted({ $in: ids }) }).exec();
    await this.cache.deleteTag(userId.toHexString(), keep?.toHexString());
    if (ids.length > 0) this.announceRevoked(userId, ids);
  }

  /** Tells the features that hold sessions open (the chat gateway's sockets) which ones ended. */
  private announceRevoked(userId: Types.ObjectId, sessionIds: Types.ObjectId[]): void {
    const event: SessionsRevokedEvent = {
      userId: userId.toHexString(),
      sessionIds: sessionIds.map((id) => id.toHexString()),
    };
    this.events.emit(SESSIONS_REVOKED, event);
  }

  private touch(session: SessionRecord): void {
    if (Date.now() - session.lastSeenAt.getTime() < LAST_SEEN_RESOLUTION_MS) return;
    const now = new Date();
    session.lastSeenAt = now;
    this.sessions
      .updateOne({ _id: session._id }, { $set: { lastSeenAt: now } })
      .exec()
      .catch((error: Error) => this.logger.warn(`Could not record session activity: ${error.message}`));
  }
}
