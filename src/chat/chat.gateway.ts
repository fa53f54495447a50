import { Inject, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import {
  SESSIONS_REVOKED,
  type SessionsRevokedEvent,
  USER_DELETED,
  type UserDeletedEvent,
} from '../common/events/auth.events.js';
import { APP_DRAINING } from '../common/events/lifecycle.events.js';
import { MESSAGE_SENT, type MessageSentEvent } from '../messages/message.events.js';
import { PRESENCE, PRESENCE_CHANGED, type Presence } from './presence/presence.js';
import { SocketAuthenticator } from './socket-authenticator.js';
import { ownSocketRoom, SOCKET_EVENTS, SOCKET_PATH, sessionRoom, userRoom } from './socket-events.js';

/** What the handshake established, kept on `socket.data`. */
interface SocketSession {
  userId: string;
  sessionId: string;
  expiryTimer?: NodeJS.Timeout;
  /** Whether presence counts this socket (its disconnect must then be counted too). */
  counted?: boolean;
}

/** setTimeout's limit (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Live chat on the API's own port. A socket exists only after its handshake proved a live session
 * (for a page on another origin of the same site, with its WebSocket upgrade: see
 * SocketAuthenticator); it joins a room of its user (deliveries) and one of its session
 * (revocation), and ends when its session does.
 */
@WebSocketGateway({ path: SOCKET_PATH })
export class ChatGateway
  implements OnGatewayInit<Server>, OnGatewayConnection<Socket>, OnGatewayDisconnect<Socket>
{
  private readonly logger = new Logger(ChatGateway.name);
  @WebSocketServer() private readonly server!: Server;

  constructor(
    private readonly authenticator: SocketAuthenticator,
    @Inject(PRESENCE) private readonly presence: Presence,
  ) {}

  /** Sockets connected to this instance (each instance reports its own; presence counts users). */
  get connectedSockets(): number {
    return this.server?.sockets.sockets.size ?? 0;
  }

  afterInit(server: Server): void {
    this.authenticator.watchUpgrades(server);
    // Refused here, the client gets a connect_error and never a connection.
    server.use((socket, next) => {
      // Handshakes never pass through Express: this is their access log (chosen fields, no token).
      const ip = this.authenticator.clientIp(socket);
      this.authenticator.authenticate(socket).then(
        ({ user, session }) => {
          const data: SocketSession = {
            userId: user._id.toHexString(),
            sessionId: session._id.toHexString(),
          };
          socket.data = data;
          this.scheduleExpiry(socket, session.expiresAt);
          this.logger.log({ msg: 'Socket connected', socketId: socket.id, userId: data.userId, ip });
          next();
        },
        (error: Error & { data?: { status?: number } }) => {
          this.logger.log({
            msg: `Socket handshake refused: ${error.message}`,
            status: error.data?.status,
            ip,
          });
          next(error);
        },
      );
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const session = socket.data as SocketSession;
    await socket.join([
      userRoom(session.userId),
      sessionRoom(session.sessionId),
      ownSocketRoom(session.userId, socket.id),
    ]);
    const cameOnline = await this.presence.connect(session.userId);
    session.counted = true;
    // Ended (revoked) while presence was being updated: its disconnect was not counted yet.
    if (socket.disconnected) return this.handleDisconnect(socket);
    const online = await this.presence.online();
    if (cameOnline) this.server.emit(SOCKET_EVENTS.onlineUsers, online);
    else socket.emit(SOCKET_EVENTS.onlineUsers, online);
  }

  async handleDisconnect(socket: Socket): Promise<void> {
    const session = socket.data as SocketSession | undefined;
    if (!session) return;
    clearTimeout(session.expiryTimer);
    if (!session.counted) return;
    session.counted = false;
    if (await this.presence.disconnect(session.userId)) {
      this.server.emit(SOCKET_EVENTS.onlineUsers, await this.presence.online());
    }
  }

  @OnEvent(MESSAGE_SENT)
  deliver({ message, senderSocketId }: MessageSentEvent): void {
    let target = this.server.to(userRoom(message.receiverId)).to(userRoom(message.senderId));
    // Only the sender's own socket can be left out: another id names no room of the sender's.
    if (senderSocketId) target = target.except(ownSocketRoom(message.senderId, senderSocketId));
    target.emit(SOCKET_EVENTS.newMessage, message);
  }

  /** Users left without a disconnect seen here (an instance died): everyone gets the new list. */
  @OnEvent(PRESENCE_CHANGED)
  async announcePresence(): Promise<void> {
    this.server.emit(SOCKET_EVENTS.onlineUsers, await this.presence.online());
  }

  @OnEvent(SESSIONS_REVOKED)
  endSessions({ sessionIds }: SessionsRevokedEvent): void {
    for (const sessionId of sessionIds) this.server.in(sessionRoom(sessionId)).disconnectSockets(true);
  }

  @OnEvent(USER_DELETED)
  endUser({ userId }: UserDeletedEvent): void {
    this.server.in(userRoom(userId)).disconnectSockets(true);
  }

  /**
   * Closes every connection at the transport level: unlike a server-side disconnect, that makes
   * Socket.IO clients reconnect by themselves, to another instance or to the restarted one.
   */
  @OnEvent(APP_DRAINING)
  closeConnections(): void {
    this.server.engine.close();
  }

  private scheduleExpiry(socket: Socket, expiresAt: Date): void {
    const remaining = expiresAt.getTime() - Date.now();
    // setTimeout cannot wait longer than MAX_TIMER_MS: a longer session is checked again then.
    (socket.data as SocketSession).expiryTimer = setTimeout(
      () => {
        if (expiresAt.getTime() > Date.now()) return this.scheduleExpiry(socket, expiresAt);
        this.logger.debug(`Session of socket ${socket.id} expired`);
        socket.disconnect(true);
      },
      Math.min(remaining, MAX_TIMER_MS),
    );
  }
}
