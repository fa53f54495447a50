/**
 * Announced when a graceful shutdown starts, once the server has stopped accepting connections.
 * Long-lived connections (chat sockets) must end then: they would otherwise hold the shutdown for the
 * whole grace period.
 */
export const APP_DRAINING = 'app.draining';
