// The outbox: messages typed but not confirmed, sent over the (fake) socket with their
// client_msg_id, retried with the same id, delivered once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FileInfo, Message } from '../../static/src/api/types';
import { FakeSocket, message, settle } from './fixtures';

const sockets = vi.hoisted(() => [] as unknown[]);
vi.mock('socket.io-client', () => ({
  io: () => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return socket;
  },
}));

type Outbox = typeof import('../../static/src/chat/outbox');

let outbox: Outbox;
let socket: FakeSocket;
let delivered: Message[];

beforeEach(async () => {
  vi.useFakeTimers();
  vi.resetModules();
  const realtime = await import('../../static/src/chat/realtime');
  outbox = await import('../../static/src/chat/outbox');
  delivered = [];
  outbox.setDeliveredHandler((m) => delivered.push(m));
  realtime.startRealtime(0, {
    envelope: () => {},
    ephemeral: () => {},
    connected: () => {},
    disconnected: () => {},
    synced: () => outbox.flushOutbox(), // as events.synced does after every catch-up
    expired: async () => 0,
    follows: () => true,
  });
  socket = sockets.at(-1) as FakeSocket;
});

afterEach(() => {
  vi.useRealTimers();
});

async function connect(): Promise<void> {
  socket.connect();
  socket.take('sync').answer({ data: { events: [], cursor: 0, has_more: false } });
  await settle();
}

/** Answer the oldest message.send as the server does, with the stored message. */
async function acceptSend(id: number): Promise<Record<string, unknown>> {
  const call = socket.take('message.send');
  call.answer({ data: message(id, { client_msg_id: String(call.data.client_msg_id), body: String(call.data.body) }) });
  await settle();
  return call.data;
}

describe('sending', () => {
  it('keeps a message typed while offline and sends it once connected', async () => {
    const item = outbox.queueMessage(100, 'hello');
    expect(item.status).toBe('queued');
    expect(socket.calls).toEqual([]);
    await connect();
    const sent = await acceptSend(7);
    expect(sent).toEqual({ channel_id: 100, body: 'hello', client_msg_id: item.client_msg_id });
    expect(delivered.map((m) => m.id)).toEqual([7]);
    expect(outbox.pendingFor(100)).toEqual([]);
  });

  it('sends the thread and the uploaded files with the message', async () => {
    await connect();
    const file = { id: 'f1', name: 'a.png' } as FileInfo;
    outbox.queueMessage(100, '', 50, [file]);
    expect(outbox.pendingFor(100, 50)[0]?.status).toBe('sending');
    expect(await acceptSend(8)).toMatchObject({ thread_root_id: 50, file_ids: ['f1'] });
  });

  it('lists what is pending per conversation, thread by thread', async () => {
    outbox.queueMessage(100, 'one');
    outbox.queueMessage(100, 'reply', 50);
    outbox.queueMessage(200, 'other');
    expect(outbox.pendingFor(100).map((i) => i.body)).toEqual(['one']);
    expect(outbox.pendingFor(100, 50).map((i) => i.body)).toEqual(['reply']);
  });
});

describe('retries', () => {
  it('resends with the same client_msg_id after a timeout, and delivers once', async () => {
    await connect();
    const item = outbox.queueMessage(100, 'hello');
    socket.take('message.send').timeOut();
    await settle();
    expect(item.status).toBe('queued');
    vi.advanceTimersByTime(2999);
    expect(socket.pending('message.send')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    const again = await acceptSend(7);
    expect(again.client_msg_id).toBe(item.client_msg_id);
    expect(delivered).toHaveLength(1);
    outbox.flushOutbox();
    expect(socket.pending('message.send')).toHaveLength(0);
  });

  it('does not send the same item twice while an attempt is in flight', async () => {
    await connect();
    outbox.queueMessage(100, 'hello');
    outbox.flushOutbox();
    expect(socket.pending('message.send')).toHaveLength(1);
  });

  it('waits for the connection after a drop, then resends with the same id', async () => {
    await connect();
    const item = outbox.queueMessage(100, 'hello');
    const first = socket.take('message.send');
    socket.drop('transport close');
    first.timeOut();
    await settle();
    vi.advanceTimersByTime(10_000);
    expect(socket.pending('message.send')).toHaveLength(0);
    expect(item.status).toBe('queued');
    await connect();
    expect((await acceptSend(7)).client_msg_id).toBe(item.client_msg_id);
    expect(delivered).toHaveLength(1);
  });

  it('stops after five timeouts and shows the failure', async () => {
    await connect();
    const item = outbox.queueMessage(100, 'hello');
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      socket.take('message.send').timeOut();
      await settle();
      vi.advanceTimersByTime(3000);
    }
    expect(item.status).toBe('failed');
    expect(item.error).toBe('The server did not answer in time');
    expect(socket.pending('message.send')).toHaveLength(0);
  });

  it('does not retry when the live event confirmed the message meanwhile', async () => {
    await connect();
    const item = outbox.queueMessage(100, 'hello');
    outbox.settle(item.client_msg_id);
    socket.take('message.send').timeOut();
    await settle();
    vi.advanceTimersByTime(3000);
    expect(socket.pending('message.send')).toHaveLength(0);
    expect(outbox.pendingFor(100)).toEqual([]);
  });
});

describe('refusals', () => {
  it('shows the server’s reason, is not resent by itself, and can be retried or discarded', async () => {
    await connect();
    const item = outbox.queueMessage(100, 'x'.repeat(9000));
    socket.take('message.send').answer({ error: { code: 'invalid', message: 'body is too long' } });
    await settle();
    expect(item).toMatchObject({ status: 'failed', error: 'body is too long' });
    outbox.flushOutbox();
    vi.advanceTimersByTime(10_000);
    expect(socket.pending('message.send')).toHaveLength(0);

    outbox.retry(item.client_msg_id);
    expect(socket.take('message.send').data.client_msg_id).toBe(item.client_msg_id);
    outbox.discard(item.client_msg_id);
    expect(outbox.pendingFor(100)).toEqual([]);
  });
});
