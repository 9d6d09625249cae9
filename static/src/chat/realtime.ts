// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// The Socket.IO connection and the "no lost messages" machinery (docs/realtime.md).
//
// Every durable server event is an envelope {id, prev_id, type, workspace_id, channel_id, data}.
// Its stream is its audience: the channel, or us (channel_id null). prev_id is the id of the
// stream's previous event, so a gap is visible: an event whose prev_id we have not applied
// means one went missing, and we sync instead of skipping it.
//
// `cursor` is a resume point that only `sync` moves: every event at or below it has been
// received. `last` holds, per stream, the newest event applied above the cursor. An event is
// applied when it follows on (its prev_id is last[stream], or at or below the cursor for a
// stream with nothing newer); an id at or below either is a duplicate; anything else is a hole,
// and a sync from the cursor fills it. We also sync now and then while live events arrive, so
// the cursor keeps up and an event lost at the end of a stream is found too.
//
// One exception: a public channel's channel.updated also reaches workspace members who have not
// joined it. That stream is not ours (sync never returns it), so when such an event does not
// follow on, it is a notice: applied as it is, leaving the stream bookkeeping alone.

import { io } from 'socket.io-client';
import { ApiError } from './api';
import { state } from './state';

const EPHEMERAL = ['channel.read', 'typing', 'presence.changed', 'workspace.member_updated', 'file.updated'];
const DURABLE = ['message.created', 'message.updated', 'message.deleted', 'channel.created', 'channel.updated',
  'channel.member_added', 'channel.member_removed', 'workspace.joined'];
const SYNC_PAGE = 500;
const RESYNC_MS = 5 * 60 * 1000;   // catch the cursor up this long after the first unsynced live event

let socket = null;
let handlers = null;
let cursor = 0;
let epoch = 0;              // bumps on every connect/disconnect; stale async work checks it
let syncing = false;
let syncAgain = false;      // a hole was seen while a sync was running
let reconnected = false;    // the next finished sync is the first since a (re)connect
let holds = 0;              // >0 while the app loads a workspace and must not apply events yet
let resyncTimer = null;
const queue = [];           // envelopes waiting to be applied, in order
let last = new Map();       // stream -> id of the newest event applied above the cursor
let syncedCursor = null;    // where a finished sync moves the cursor once its events are applied

const streamOf = (envelope) => envelope.channel_id ?? 'me';

/**
 * Connect and start delivering events.
 * handlers: {envelope(env), ephemeral(name, data), connected(), disconnected(), synced(),
 *            expired() -> Promise<new cursor> (the log no longer reaches our cursor: reload state),
 *            follows(channelId, workspaceId) -> whether we are in that channel}
 */
export function startRealtime(initialCursor, eventHandlers) {
  cursor = initialCursor;
  handlers = eventHandlers;
  socket = io({ reconnectionDelay: 500, reconnectionDelayMax: 5000 });

  for (const type of DURABLE) socket.on(type, onLive);
  for (const name of EPHEMERAL) socket.on(name, (data) => handlers.ephemeral(name, data));

  socket.on('connect', () => {
    reconnected = true;
    sync();
  });
  socket.on('disconnect', (reason) => {
    epoch += 1;
    syncing = false;
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

/** Replay everything after the cursor (on connect, on a hole, and now and then), paged. */
async function sync() {
  const mine = epoch;
  if (syncing) {
    syncAgain = true;
    return;
  }
  syncing = true;
  syncAgain = false;
  clearTimeout(resyncTimer);
  resyncTimer = null;
  setConnected(true);
  let since = cursor;
  try {
    for (;;) {
      let page: any;
      try {
        page = await emitAck('sync', { since, limit: SYNC_PAGE }, 20000);
      } catch (err) {
        if (err.code !== 'cursor_expired') throw err;
        // Pruned past our cursor: events alone cannot bring us up to date. Reload the state
        // (holding live events back meanwhile) and resume from the head taken before it.
        since = await holdEvents(() => handlers.expired());
        if (mine !== epoch) return;
        cursor = since;
        last = new Map();
        queue.length = 0;  // the reloaded state includes them
        continue;
      }
      if (mine !== epoch) return;
      queue.push(...page.events.map((envelope) => ({ envelope, replayed: true })));
      since = page.cursor;
      if (!page.has_more) break;
    }
  } catch (err) {
    if (mine !== epoch) return;
    syncing = false;
    console.warn('sync failed, retrying', err);
    setTimeout(() => { if (mine === epoch) sync(); }, 2000);
    return;
  }
  syncing = false;
  syncedCursor = since;
  drain();
  if (syncAgain) {
    sync();
  } else if (reconnected) {
    reconnected = false;
    handlers.synced();
  }
}

function onLive(envelope) {
  queue.push({ envelope, replayed: false });
  if (!syncing) drain();
  if (!resyncTimer && !syncing) resyncTimer = setTimeout(() => { resyncTimer = null; sync(); }, RESYNC_MS);
}

/**
 * Apply what is queued. Replayed events are complete (a sync returns every event after the
 * cursor), so they only need de-duplicating; live ones must also follow on in their stream.
 */
function drain() {
  if (holds > 0 || syncing) return;
  // Replayed pages, events held during a load and live ones can interleave: apply in id order.
  queue.sort((a, b) => a.envelope.id - b.envelope.id);
  let hole = false;
  for (const { envelope, replayed } of queue.splice(0)) {
    const stream = streamOf(envelope);
    const newest = last.get(stream);
    if (envelope.id <= (newest ?? cursor)) continue;          // applied already
    const follows = newest === undefined ? envelope.prev_id <= cursor : envelope.prev_id === newest;
    if (!replayed && !follows) {
      if (isNotice(envelope)) apply(envelope);                // not a stream of ours
      else hole = true;                                       // its predecessor is missing:
      continue;                                               // the sync brings both
    }
    last.set(stream, envelope.id);
    apply(envelope);
  }
  if (syncedCursor !== null) {
    // Every event up to the sync's cursor is applied now: older stream positions are implied.
    cursor = Math.max(cursor, syncedCursor);
    syncedCursor = null;
    for (const [stream, id] of last) if (id <= cursor) last.delete(stream);
  }
  if (hole) sync();
}

function apply(envelope) {
  try {
    handlers.envelope(envelope);
  } catch (err) {
    console.error('applying event failed', envelope, err);
  }
}

/** A public channel's change sent to a workspace member who is not in the channel. */
const isNotice = (envelope) => envelope.type === 'channel.updated'
  && !handlers.follows(envelope.channel_id, envelope.workspace_id);

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
