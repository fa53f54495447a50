/** Where the Socket.IO server listens, on the API's own port. */
export const SOCKET_PATH = '/socket.io';

/** Events the server emits (the reference frontend's names). */
export const SOCKET_EVENTS = {
  /** The ids of every user with at least one connected socket; sent to everyone on every change. */
  onlineUsers: 'getOnlineUsers',
  /** A message JSON, to every socket of its receiver and the sender's other sockets. */
  newMessage: 'newMessage',
} as const;

/** Rooms every authenticated socket joins: "send to this person" and "end this session". */
export const userRoom = (userId: string) => `user:${userId}`;
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
/**
 * The room of one socket, named with its user: leaving it out of a delivery works on every instance
 * (through the Redis adapter), and a socket id of someone else names no room of the sender's.
 */
export const ownSocketRoom = (userId: string, socketId: string) => `socket:${userId}:${socketId}`;
