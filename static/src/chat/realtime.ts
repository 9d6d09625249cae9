// The Socket.IO connection (docs/realtime.md). The sequencing rules (cursor, per-stream
// prev_id, duplicates, holes, holding events while a workspace loads) live in catchup.ts; this
// module wires them to the socket: it syncs on every connect, whenever the sequencing reports a
// hole, and now and then while live events arrive (so the cursor keeps up and an event lost at
// the end of a stream is found too).

import { io, type Socket } from 'socket.io-client';
import type {
  DeletedMessage,
  EphemeralEventName,
  EventPage,
  Message,
  ReadPosition,
  SocketEvents,
} from '../api/types';
import { ApiError } from '../shared/api';
import { CatchUp, DURABLE_EVENTS, type Envelope, isEnvelope } from './catchup';
import { state } from './state';
import * as store from './store';

/** Client-to-server events: what each sends and what its ack's `data` holds (docs/realtime.md). */
export interface ClientCalls {
  'message.send': {
    payload: { channel_id: number; body: string; client_msg_id?: string; thread_root_id?: number; file_ids?: string[] };
    result: Message;
  };
  'message.edit': { payload: { message_id: number; body: string }; result: Message };
  'message.delete': { payload: { message_id: number }; result: DeletedMessage };
  'reaction.add': { payload: { message_id: number; emoji: string }; result: Message };
  'reaction.remove': { payload: { message_id: number; emoji: string }; result: Message };
  'channel.read': { payload: { channel_id: number; message_id: number }; result: Omit<ReadPosition, 'workspace_id'> };
  'typing.start': { payload: { channel_id: number; thread_root_id?: number }; result: { ok: true } };
  'presence.set': { payload: { away: boolean }; result: { status: string } };
  sync: { payload: { since: number; limit?: number }; result: EventPage };
}
export type ClientEventName = keyof ClientCalls;

/** Whatever the server sends is unknown until checked (catchup.isEnvelope, events.ts). */
type ServerToClient = { [K in keyof SocketEvents]: (payload: unknown) => void };
type Ack = (payload: unknown) => void;
type ClientToServer = { [K in ClientEventName]: (payload: ClientCalls[K]['payload'], ack?: Ack) => void };

export interface RealtimeHandlers {
  envelope: (envelope: Envelope) => void;
  ephemeral: (name: EphemeralEventName, data: unknown) => void;
  connected: (connected: boolean) => void;
  disconnected: () => void;
  /** After each (re)connect, once the catch-up is applied. */
  synced: () => void;
  /** The log no longer reaches our cursor: reload state; resolves to the head taken before. */
  expired: () => Promise<number>;
  /** Whether we are in that channel (so its events form a stream of ours). */
  follows: (channelId: number | null, workspaceId: number) => boolean;
}

const EPHEMERAL: readonly EphemeralEventName[] = [
  'channel.read',
  'typing',
  'presence.changed',
  'workspace.member_updated',
  'file.updated',
  'message.ephemeral',
  'channel.muted',
];
const SYNC_PAGE = 500;
const RESYNC_MS = 5 * 60 * 1000; // catch the cursor up this long after the first unsynced live event

let socket: Socket<ServerToClient, ClientToServer> | null = null;
let handlers: RealtimeHandlers | null = null;
let catchUp: CatchUp | null = null;
let holdsBeforeStart = 0; // holdEvents() before startRealtime (the first workspace load)
let epoch = 0; // bumps on every disconnect; stale async work checks it
let syncAgain = false; // a hole was seen while a sync was running
let reconnected = false; // the next finished sync is the first since a (re)connect
let resyncTimer: ReturnType<typeof setTimeout> | null = null;

/** Connect and start delivering events (handlers: see RealtimeHandlers). */
export function startRealtime(initialCursor: number, eventHandlers: RealtimeHandlers): void {
  handlers = eventHandlers;
  catchUp = new CatchUp(initialCursor, apply, isNotice);
  for (; holdsBeforeStart > 0; holdsBeforeStart -= 1) catchUp.hold();
  const sock: Socket<ServerToClient, ClientToServer> = io({ reconnectionDelay: 500, reconnectionDelayMax: 5000 });
  socket = sock;

  for (const type of DURABLE_EVENTS) sock.on(type, onLive);
  for (const name of EPHEMERAL) sock.on(name, (data: unknown) => handlers?.ephemeral(name, data));

  sock.on('connect', () => {
    reconnected = true;
    void sync();
  });
  sock.on('disconnect', (reason) => {
    epoch += 1;
    catchUp?.syncAborted();
    setConnected(false);
    eventHandlers.disconnected();
    // The server closes a person's sockets on purpose after a role change, a deactivation, a
    // revoked token or a password change, so they rejoin only the rooms they may still read.
    // Socket.IO never retries a server-side disconnect by itself: connect again. If the session
    // has ended, the refusal reaches connect_error, which sends the person to the login page.
    if (reason === 'io server disconnect') {
      setTimeout(
        () => {
          if (!sock.connected) sock.connect();
        },
        200 + Math.random() * 600,
      );
    }
  });
  sock.on('connect_error', async (err) => {
    // A refused connection (signed out, deactivated) is not retried by the client itself.
    if (sock.active) return;
    const me = await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
    if (me?.status === 401) location.assign('/login');
    else setTimeout(() => sock.connect(), 3000);
    console.warn('socket refused:', err.message);
  });

  // The browser knows it is offline before any heartbeat does: show it and reconnect at once
  // when the network is back instead of waiting for the next back-off step.
  window.addEventListener('offline', () => {
    store.setOnline(false);
    setConnected(sock.connected);
    if (sock.connected) sock.io.engine?.close();
  });
  window.addEventListener('online', () => {
    store.setOnline(true);
    if (!sock.connected) {
      sock.disconnect();
      sock.connect();
    }
    setConnected(sock.connected);
  });
}

function setConnected(value: boolean): void {
  const connected = value && state.online;
  store.setConnected(connected);
  handlers?.connected(connected);
}

/** A sync answer, its events still unchecked. */
interface UncheckedPage {
  events: unknown[];
  has_more: boolean;
  cursor: number;
}

function isEventPage(value: unknown): value is UncheckedPage {
  if (typeof value !== 'object' || value === null) return false;
  const page = value as Record<string, unknown>;
  return Array.isArray(page.events) && typeof page.has_more === 'boolean' && typeof page.cursor === 'number';
}

/** Replay everything after the cursor (on connect, on a hole, and now and then), paged. */
async function sync(): Promise<void> {
  const sequencer = catchUp;
  if (!sequencer || !handlers) return;
  const mine = epoch;
  if (sequencer.syncing) {
    syncAgain = true;
    return;
  }
  syncAgain = false;
  if (resyncTimer) clearTimeout(resyncTimer);
  resyncTimer = null;
  let since = sequencer.syncStarted();
  setConnected(true);
  try {
    for (;;) {
      let page: unknown;
      try {
        page = await emitAck('sync', { since, limit: SYNC_PAGE }, 20000);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 'cursor_expired') throw err;
        // Pruned past our cursor: events alone cannot bring us up to date. Reload the state
        // (holding live events back meanwhile) and resume from the head taken before it.
        const expired = handlers.expired;
        since = await holdEvents(() => expired());
        if (mine !== epoch) return;
        sequencer.restart(since);
        continue;
      }
      if (mine !== epoch) return;
      if (!isEventPage(page)) throw new ApiError(0, 'invalid_answer', 'The server sent an unexpected sync answer');
      sequencer.replayed(page.events.filter(isEnvelope));
      since = page.cursor;
      if (!page.has_more) break;
    }
  } catch (err) {
    if (mine !== epoch) return;
    sequencer.syncAborted();
    console.warn('sync failed, retrying', err);
    setTimeout(() => {
      if (mine === epoch) void sync();
    }, 2000);
    return;
  }
  // A hole among the live events queued meanwhile starts the next sync at once (which clears
  // syncAgain); the connect's catch-up is still reported as done, as its events are applied.
  if (sequencer.syncFinished(since)) void sync();
  if (syncAgain) {
    void sync();
  } else if (reconnected) {
    reconnected = false;
    handlers.synced();
  }
}

function onLive(payload: unknown): void {
  const sequencer = catchUp;
  if (!sequencer) return;
  if (!isEnvelope(payload)) {
    console.warn('not an event envelope', payload);
    return;
  }
  if (sequencer.live(payload)) void sync();
  if (!resyncTimer && !sequencer.syncing) {
    resyncTimer = setTimeout(() => {
      resyncTimer = null;
      void sync();
    }, RESYNC_MS);
  }
}

function apply(envelope: Envelope): void {
  try {
    handlers?.envelope(envelope);
  } catch (err) {
    console.error('applying event failed', envelope, err);
  }
}

/** A public channel's change sent to a workspace member who is not in the channel. */
const isNotice = (envelope: Envelope): boolean =>
  envelope.type === 'channel.updated' && !(handlers?.follows(envelope.channel_id, envelope.workspace_id) ?? false);

/** Keep events queued while a workspace loads, so they apply on top of the loaded state. */
export async function holdEvents<T>(fn: () => Promise<T>): Promise<T> {
  const sequencer = catchUp;
  if (sequencer) sequencer.hold();
  else holdsBeforeStart += 1;
  try {
    return await fn();
  } finally {
    if (sequencer) {
      if (sequencer.release()) void sync();
    } else if (catchUp) {
      // Started meanwhile: the hold was carried over to it.
      if (catchUp.release()) void sync();
    } else {
      holdsBeforeStart -= 1;
    }
  }
}

export const isConnected = (): boolean => Boolean(socket?.connected) && state.online;

/** Emit with an acknowledgement; resolves to ack.data or rejects with an ApiError. */
export function emitAck<E extends ClientEventName>(
  event: E,
  data: ClientCalls[E]['payload'],
  timeout = 10000,
): Promise<ClientCalls[E]['result']> {
  return new Promise((resolve, reject) => {
    const sock = socket;
    if (!sock || !isConnected()) {
      reject(new ApiError(0, 'disconnected', 'Not connected'));
      return;
    }
    // The typed emit cannot follow a generic event name; the map above types both ends.
    const timed = sock.timeout(timeout);
    const send = timed.emit as (event: string, data: unknown, ack: (err: Error | null, answer: unknown) => void) => void;
    send.call(timed, event, data, (err, answer) => {
      if (err) {
        reject(new ApiError(0, 'timeout', 'The server did not answer in time'));
        return;
      }
      const ack = (typeof answer === 'object' && answer !== null ? answer : {}) as {
        data?: unknown;
        error?: { code?: string; message?: string; retry_after?: number };
      };
      if (ack.error) reject(new ApiError(0, ack.error.code ?? 'error', ack.error.message ?? 'Something went wrong'));
      // The ack carries the documented shape (tests/realtime/test_event_shapes.py checks it).
      else resolve(ack.data as ClientCalls[E]['result']);
    });
  });
}

/** Fire and forget (typing, presence): only while connected, never buffered for later. */
export function emit<E extends 'typing.start' | 'presence.set'>(event: E, data: ClientCalls[E]['payload']): void {
  const sock = socket;
  if (sock && isConnected()) (sock.emit as (event: string, data: unknown) => void).call(sock, event, data);
}
