// The Socket.IO connection and the "no lost messages" machinery.
//
// Every durable server event is an envelope {id, type, workspace_id, channel_id, data} whose id
// grows in commit order. We keep `cursor`, a resume point: every event at or below it has been
// received. On each (re)connect we ask the server for everything after it ('sync', paged) and,
// until that replay is done, hold live envelopes back so they are applied after it, in order.
// Duplicates (an event both replayed and received live) are dropped by id; handlers are also
// idempotent, so a duplicate that slips through changes nothing.
//
// The cursor trails live events by a few seconds instead of jumping to each new id: two
// server processes may publish events slightly out of id order, and resuming from the largest
// id seen could skip a smaller one still in flight.

import { ApiError } from './api.js';
import { state } from './state.js';

const EPHEMERAL = ['channel.read', 'typing', 'presence.changed', 'channel.created', 'workspace.member_updated',
  'file.updated'];
const DURABLE = ['message.created', 'message.updated', 'message.deleted', 'channel.member_added',
  'channel.member_removed', 'channel.updated', 'workspace.joined'];
const SETTLE_MS = 3000;
const SYNC_PAGE = 500;

let socket = null;
let handlers = null;
let cursor = 0;
let epoch = 0;              // bumps on every connect/disconnect; stale async work checks it
let syncing = false;
let holds = 0;              // >0 while the app loads a workspace and must not apply events yet
let liveDuringSync = [];
const queue = [];           // envelopes waiting to be applied, in order
const applied = new Set();  // ids applied above the cursor

/**
 * Connect and start delivering events.
 * handlers: {envelope(env), ephemeral(name, data), connected(), disconnected(), synced()}
 */
export function startRealtime(initialCursor, eventHandlers) {
  cursor = initialCursor;
  handlers = eventHandlers;
  socket = window.io({ reconnectionDelay: 500, reconnectionDelayMax: 5000 });

  for (const type of DURABLE) {
    socket.on(type, (payload) => {
      // channel.updated also reaches workspace members who have not joined, as {data: channel}.
      if (payload && typeof payload.id === 'number' && payload.type) onLive(payload);
      else handlers.ephemeral(type, payload?.data ?? payload);
    });
  }
  for (const name of EPHEMERAL) socket.on(name, (data) => handlers.ephemeral(name, data));

  socket.on('connect', onConnect);
  socket.on('disconnect', (reason) => {
    epoch += 1;
    syncing = false;
    queue.push(...liveDuringSync);
    liveDuringSync = [];
    setConnected(false);
    handlers.disconnected();
    // The server closes a person's sockets on purpose after a role change, a deactivation, a
    // revoked token or a password change, so they rejoin only the rooms they may still read.
    // Socket.IO never retries a server-side disconnect by itself: connect again. If the session
    // has ended, the refusal reaches connect_error, which sends the person to the login page.
    if (reason === 'io server disconnect') {
      setTimeout(() => { if (!socket.connected) socket.connect(); }, 200 + Math.random() * 600);
    }
  });
  socket.on('connect_error', async (err) => {
    // A refused connection (signed out, deactivated) is not retried by the client itself.
    if (socket.active) return;
    const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
    if (me?.status === 401) location.assign('/login');
    else setTimeout(() => socket.connect(), 3000);
    console.warn('socket refused:', err.message);
  });

  // The browser knows it is offline before any heartbeat does: show it and reconnect at once
  // when the network is back instead of waiting for the next back-off step.
  window.addEventListener('offline', () => {
    state.online = false;
    setConnected(socket.connected);
    if (socket.connected) socket.io.engine?.close();
  });
  window.addEventListener('online', () => {
    state.online = true;
    if (!socket.connected) {
      socket.disconnect();
      socket.connect();
    }
    setConnected(socket.connected);
  });
}

function setConnected(value) {
  state.connected = value && state.online;
  handlers.connected(state.connected);
}

async function onConnect() {
  const mine = ++epoch;
  syncing = true;
  setConnected(true);
  let since = cursor;
  try {
    for (;;) {
      const page = await emitAck('sync', { since, limit: SYNC_PAGE }, 20000);
      if (mine !== epoch) return;
      queue.push(...page.events);
      since = page.cursor;
      if (!page.has_more) break;
    }
  } catch (err) {
    if (mine !== epoch) return;
    console.warn('sync failed, retrying', err);
    setTimeout(() => { if (mine === epoch) onConnect(); }, 2000);
    return;
  }
  cursor = Math.max(cursor, since);
  syncing = false;
  liveDuringSync.sort((a, b) => a.id - b.id);
  queue.push(...liveDuringSync);
  liveDuringSync = [];
  drain();
  prune();
  handlers.synced();
}

function onLive(envelope) {
  if (syncing) {
    liveDuringSync.push(envelope);
    return;
  }
  queue.push(envelope);
  const mine = epoch;
  setTimeout(() => {
    if (mine === epoch && envelope.id > cursor) cursor = envelope.id;
  }, SETTLE_MS);
  drain();
}

function drain() {
  if (holds > 0 || syncing) return;
  // Replayed pages, events held during a load and live ones can interleave: apply in id order.
  queue.sort((a, b) => a.id - b.id);
  while (queue.length) {
    const envelope = queue.shift();
    if (applied.has(envelope.id)) continue;
    applied.add(envelope.id);
    try {
      handlers.envelope(envelope);
    } catch (err) {
      console.error('applying event failed', envelope, err);
    }
  }
}

function prune() {
  if (applied.size < 5000) return;
  for (const id of applied) if (id <= cursor) applied.delete(id);
}

/** Keep events queued while a workspace loads, so they apply on top of the loaded state. */
export async function holdEvents(fn) {
  holds += 1;
  try {
    return await fn();
  } finally {
    holds -= 1;
    drain();
  }
}

export const isConnected = () => Boolean(socket?.connected) && state.online;

/** Emit with an acknowledgement; resolves to ack.data or rejects with an ApiError. */
export function emitAck(event, data, timeout = 10000) {
  return new Promise((resolve, reject) => {
    if (!isConnected()) {
      reject(new ApiError(0, 'disconnected', 'Not connected'));
      return;
    }
    socket.timeout(timeout).emit(event, data, (err, ack) => {
      if (err) reject(new ApiError(0, 'timeout', 'The server did not answer in time'));
      else if (ack?.error) reject(new ApiError(0, ack.error.code, ack.error.message));
      else resolve(ack?.data);
    });
  });
}

/** Fire and forget (typing, presence): only while connected, never buffered for later. */
export function emit(event, data) {
  if (isConnected()) socket.emit(event, data);
}
