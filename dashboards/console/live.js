import { io } from '/socket.io/socket.io.esm.min.js';

/**
 * The live feed of docs/api.md: one socket per logged-in tab on namespace /console.
 * It keeps the last five minutes of aggregates, so the overview has a history the moment
 * it opens, and fans events out to whichever page listens.
 */
export const HISTORY_SECONDS = 300;
const RECONNECT_AFTER_SERVER_CLOSE_MS = 2000;

export function connectLive({ token, onUnauthorized }) {
  const socket = io('/console', { path: '/socket.io', auth: { token } });
  const listeners = new Map();
  const aggregates = [];
  let state = 'connecting';
  let closed = false;

  const emit = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (e) {
        console.error(`live ${event} listener`, e);
      }
    }
  };
  const setState = (next, detail) => {
    if (state === next) return;
    state = next;
    emit('state', { state, detail });
  };

  socket.on('connect', () => setState('live', { recovered: socket.recovered }));
  socket.on('disconnect', (reason) => {
    if (closed) return;
    setState('reconnecting', { reason });
    // The server closing the socket (restart, shutdown) is not retried by socket.io itself.
    if (reason === 'io server disconnect') setTimeout(() => !closed && socket.connect(), RECONNECT_AFTER_SERVER_CLOSE_MS);
  });
  socket.on('connect_error', (error) => {
    if (error?.message === 'AUTH_TOKEN_INVALID') {
      setState('refused');
      onUnauthorized();
      return;
    }
    setState('offline', { message: error?.message });
  });
  socket.on('aggregates', (snapshot) => {
    aggregates.push(snapshot);
    if (aggregates.length > HISTORY_SECONDS) aggregates.splice(0, aggregates.length - HISTORY_SECONDS);
    emit('aggregates', snapshot);
  });
  socket.on('alert', (alert) => emit('alert', alert));
  socket.on('alert:update', (alert) => emit('alert:update', alert));
  // Case workers only: the server sends these to nobody else.
  socket.on('case', (c) => emit('case', c));
  socket.on('case:update', (c) => emit('case:update', c));
  socket.on('case:sla', (event) => emit('case:sla', event));

  return {
    /** Listens to 'alert', 'alert:update', 'case', 'case:update', 'case:sla', 'aggregates' or 'state'; returns the function that stops listening. */
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return () => listeners.get(event)?.delete(listener);
    },
    get state() {
      return state;
    },
    /** The aggregates received so far, oldest first, at most HISTORY_SECONDS of them. */
    history() {
      return aggregates.slice();
    },
    close() {
      closed = true;
      listeners.clear();
      socket.disconnect();
    },
  };
}
