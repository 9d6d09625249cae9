// The catch-up protocol as the client runs it over a socket (docs/realtime.md): the socket is a
// fake the test plays the server with; the sequencing and syncing are the real code.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../static/src/chat/catchup';
import type { RealtimeHandlers } from '../../static/src/chat/realtime';
import { envelope, FakeSocket, message, settle } from './fixtures';

const sockets = vi.hoisted(() => [] as unknown[]);
vi.mock('socket.io-client', () => ({
  io: () => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return socket;
  },
}));

type Realtime = typeof import('../../static/src/chat/realtime');

let realtime: Realtime;
let socket: FakeSocket;
let applied: number[];
let handlers: RealtimeHandlers;

function created(id: number, prevId: number, channelId = 100): Envelope {
  return envelope('message.created', message(id * 10, { channel_id: channelId }), { id, prev_id: prevId, channel_id: channelId });
}

function answerSync(events: Envelope[], cursor: number, hasMore = false): Record<string, unknown> {
  const call = socket.take('sync');
  call.answer({ data: { events, cursor, has_more: hasMore } });
  return call.data;
}

async function start(cursor: number, overrides: Partial<RealtimeHandlers> = {}): Promise<void> {
  vi.resetModules();
  realtime = await import('../../static/src/chat/realtime');
  applied = [];
  handlers = {
    envelope: (env) => applied.push(env.id),
    ephemeral: vi.fn(),
    connected: vi.fn(),
    disconnected: vi.fn(),
    synced: vi.fn(),
    expired: vi.fn(async () => 0),
    follows: () => true,
    ...overrides,
  };
  realtime.startRealtime(cursor, handlers);
  socket = sockets.at(-1) as FakeSocket;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // "sync failed, retrying" and the like
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('connecting', () => {
  it('syncs from the cursor, pages until has_more is false, then reports synced once', async () => {
    await start(5);
    socket.connect();
    expect(answerSync([created(6, 0)], 7, true)).toEqual({ since: 5, limit: 500 });
    await settle();
    expect(answerSync([created(8, 6)], 9)).toEqual({ since: 7, limit: 500 });
    await settle();
    expect(applied).toEqual([6, 8]);
    expect(handlers.synced).toHaveBeenCalledTimes(1);
    expect(handlers.connected).toHaveBeenLastCalledWith(true);
  });

  it('queues live events that arrive during the sync and applies each once, in id order', async () => {
    await start(5);
    socket.connect();
    socket.trigger('message.created', created(8, 6));
    socket.trigger('message.created', created(6, 0));
    expect(applied).toEqual([]);
    answerSync([created(6, 0), created(7, 0, 200)], 7);
    await settle();
    expect(applied).toEqual([6, 7, 8]);
  });

  it('a hole among live events queued during the catch-up starts another sync at once', async () => {
    await start(5);
    socket.connect();
    socket.trigger('message.created', created(9, 8)); // 8 is not in the replay either
    answerSync([created(6, 0)], 7);
    await settle();
    expect(applied).toEqual([6]);
    expect(handlers.synced).toHaveBeenCalledTimes(1);
    expect(answerSync([created(8, 6), created(9, 8)], 9)).toEqual({ since: 7, limit: 500 });
    await settle();
    expect(applied).toEqual([6, 8, 9]);
  });

  it('ignores a payload that is not an envelope', async () => {
    await start(5);
    socket.connect();
    answerSync([], 5);
    await settle();
    socket.trigger('message.created', { id: 'x' });
    socket.trigger('message.created', message(3));
    expect(applied).toEqual([]);
    expect(socket.pending('sync')).toHaveLength(0);
  });
});

describe('live events', () => {
  async function connected(cursor = 5): Promise<void> {
    await start(cursor);
    socket.connect();
    answerSync([], cursor);
    await settle();
  }

  it('applies an event that follows on, and drops a duplicate', async () => {
    await connected();
    socket.trigger('message.created', created(6, 3));
    socket.trigger('message.created', created(6, 3));
    socket.trigger('message.created', created(7, 6));
    expect(applied).toEqual([6, 7]);
    expect(socket.pending('sync')).toHaveLength(0);
  });

  it('does not skip over a hole: it syncs from the cursor and applies both in order', async () => {
    await connected();
    socket.trigger('message.created', created(6, 5));
    socket.trigger('message.created', created(9, 7)); // 7 never arrived
    expect(applied).toEqual([6]);
    expect(answerSync([created(7, 6), created(9, 7)], 9)).toEqual({ since: 5, limit: 500 });
    await settle();
    expect(applied).toEqual([6, 7, 9]);
    expect(handlers.synced).toHaveBeenCalledTimes(1); // only after the connect, not a hole's sync
  });

  it('applies a public channel notice for a channel we are not in without treating it as a hole', async () => {
    await start(5, { follows: (channelId) => channelId !== 300 });
    socket.connect();
    answerSync([], 5);
    await settle();
    const notice = envelope('channel.updated', { id: 300 } as never, { id: 40, prev_id: 30, channel_id: 300 });
    socket.trigger('channel.updated', notice);
    expect(applied).toEqual([40]);
    expect(socket.pending('sync')).toHaveLength(0);
  });

  it('holds events while a workspace loads and applies them on top of it', async () => {
    await connected();
    let loaded!: () => void;
    const loading = realtime.holdEvents(() => new Promise<void>((resolve) => (loaded = resolve)));
    socket.trigger('message.created', created(6, 5));
    expect(applied).toEqual([]);
    loaded();
    await loading;
    expect(applied).toEqual([6]);
  });

  it('syncs again five minutes after the first live event since the last sync', async () => {
    await connected();
    socket.trigger('message.created', created(6, 5));
    vi.advanceTimersByTime(5 * 60 * 1000 - 1);
    expect(socket.pending('sync')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(socket.take('sync').data.since).toBe(5);
  });
});

describe('an expired cursor', () => {
  it('reloads the state, restarts from the new head and syncs from there', async () => {
    await start(5, { expired: vi.fn(async () => 50) });
    socket.connect();
    socket.take('sync').answer({ error: { code: 'cursor_expired', message: 'too old' } });
    await settle();
    expect(handlers.expired).toHaveBeenCalledTimes(1);
    expect(answerSync([created(51, 0)], 51)).toEqual({ since: 50, limit: 500 });
    await settle();
    expect(applied).toEqual([51]);
  });
});

describe('failures and reconnects', () => {
  it('retries a failed sync after two seconds', async () => {
    await start(5);
    socket.connect();
    socket.take('sync').timeOut();
    await settle();
    expect(socket.pending('sync')).toHaveLength(0);
    vi.advanceTimersByTime(2000);
    expect(socket.take('sync').data.since).toBe(5);
  });

  it('after a drop, a new connection syncs from the cursor the last finished sync reached', async () => {
    await start(5);
    socket.connect();
    answerSync([created(6, 0)], 8);
    await settle();
    socket.drop('transport close');
    expect(handlers.connected).toHaveBeenLastCalledWith(false);
    socket.connect();
    expect(answerSync([created(6, 0), created(9, 6)], 9)).toEqual({ since: 8, limit: 500 });
    await settle();
    expect(applied).toEqual([6, 9]);
    expect(handlers.synced).toHaveBeenCalledTimes(2);
  });

  it('reconnects by itself when the server closed the connection', async () => {
    await start(5);
    socket.connect();
    socket.drop('io server disconnect');
    expect(socket.connected).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(socket.connected).toBe(true);
  });
});

describe('acknowledged emits', () => {
  it('resolves with the ack data and rejects with the error code', async () => {
    await start(5);
    socket.connect();
    const sent = realtime.emitAck('message.delete', { message_id: 3 });
    socket.take('message.delete').answer({ data: { id: 3, channel_id: 100, thread_root_id: null } });
    await expect(sent).resolves.toEqual({ id: 3, channel_id: 100, thread_root_id: null });
    const refused = realtime.emitAck('message.delete', { message_id: 4 });
    socket.take('message.delete').answer({ error: { code: 'not_found', message: 'message not found' } });
    await expect(refused).rejects.toMatchObject({ code: 'not_found', message: 'message not found' });
  });

  it('refuses at once while disconnected, and fire-and-forget emits are dropped', async () => {
    await start(5);
    await expect(realtime.emitAck('presence.set', { away: false })).rejects.toMatchObject({ code: 'disconnected' });
    realtime.emit('typing.start', { channel_id: 100 });
    expect(socket.fired).toEqual([]);
    socket.connect();
    realtime.emit('typing.start', { channel_id: 100 });
    expect(socket.fired).toEqual([{ event: 'typing.start', data: { channel_id: 100 } }]);
  });
});
