// Payloads shaped like the server's (the generated types keep them honest) and a stand-in for
// the Socket.IO connection: the one boundary the client tests fake.
import type { Channel, DurableEvent, Member, Message } from '../../static/src/api/types';
import type { Envelope, RedactedEnvelope } from '../../static/src/chat/catchup';

export const ME = 1;
export const WORKSPACE = 10;

export function user(id: number, name = `User ${id}`) {
  return { id, username: `user${id}`, display_name: name, is_bot: false };
}

export function member(id: number, name = `User ${id}`): Member {
  return { ...user(id, name), active: true, role: 'member', joined_at: '2025-01-01T00:00:00Z' };
}

export function channel(id: number, fields: Partial<Channel> = {}): Channel {
  return {
    id,
    workspace_id: WORKSPACE,
    kind: 'public',
    name: `channel-${id}`,
    topic: '',
    purpose: '',
    archived: false,
    broadcast: false,
    is_default: false,
    created_at: '2025-01-01T00:00:00Z',
    created_by: ME,
    last_message_id: 0,
    last_read_id: 0,
    unread_count: 0,
    mention_count: 0,
    ...fields,
  };
}

export function message(id: number, fields: Partial<Message> = {}): Message {
  return {
    id,
    workspace_id: WORKSPACE,
    channel_id: 100,
    author: user(2, 'Grace'),
    body: `message ${id}`,
    html: `<p>message ${id}</p>`,
    client_msg_id: null,
    created_at: '2025-01-01T00:00:00Z',
    edited_at: null,
    deleted: false,
    files: [],
    mentions_channel: false,
    props: null,
    pinned: false,
    reactions: [],
    reply_count: 0,
    last_reply_at: null,
    thread_root_id: null,
    ...fields,
  };
}

/** A durable event's envelope. `id`/`prev_id` are log positions (not message ids). (The generated
 *  envelope type intersects `data` with `Record<string, never>`, so data is taken as an object.) */
export function envelope(
  type: DurableEvent['type'],
  data: object,
  position: { id: number; prev_id: number; channel_id?: number | null; workspace_id?: number },
): Envelope {
  return {
    type,
    data,
    id: position.id,
    prev_id: position.prev_id,
    channel_id: position.channel_id === undefined ? 100 : position.channel_id,
    workspace_id: position.workspace_id ?? WORKSPACE,
  } as Envelope;
}

export function redacted(type: RedactedEnvelope['type'], messageId: number, position: { id: number; prev_id: number }): Envelope {
  return {
    type,
    data: { id: messageId, channel_id: 100, thread_root_id: null, redacted: true },
    id: position.id,
    prev_id: position.prev_id,
    channel_id: 100,
    workspace_id: WORKSPACE,
  };
}

/** One emit with an acknowledgement, waiting for the test to answer it. */
export interface SentCall {
  event: string;
  data: Record<string, unknown>;
  answer: (ack: unknown) => void;
  timeOut: () => void;
}

/** Stands in for socket.io-client's Socket: records what the client sends, lets the test play
 *  the server (connect, events, acks). */
export class FakeSocket {
  connected = false;
  active = true;
  readonly calls: SentCall[] = [];
  readonly fired: { event: string; data: unknown }[] = [];
  readonly io = { engine: { close: () => this.drop('transport close') } };
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();

  on(event: string, fn: (...args: unknown[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }

  /** A fire-and-forget emit (typing, presence). */
  emit(event: string, data: unknown): this {
    this.fired.push({ event, data });
    return this;
  }

  timeout(_ms: number) {
    return {
      emit: (event: string, data: Record<string, unknown>, ack: (err: Error | null, answer?: unknown) => void) => {
        this.calls.push({ event, data, answer: (answer) => ack(null, answer), timeOut: () => ack(new Error('timeout')) });
      },
    };
  }

  connect(): this {
    this.connected = true;
    this.trigger('connect');
    return this;
  }

  disconnect(): this {
    if (this.connected) this.drop('io client disconnect');
    return this;
  }

  drop(reason: string): void {
    this.connected = false;
    this.trigger('disconnect', reason);
  }

  /** The server sends an event. */
  trigger(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }

  /** Calls of one event not answered yet, oldest first. */
  pending(event: string): SentCall[] {
    return this.calls.filter((call) => call.event === event);
  }

  /** Take (remove) the oldest unanswered call of an event; fails the test when there is none. */
  take(event: string): SentCall {
    const index = this.calls.findIndex((call) => call.event === event);
    if (index < 0) throw new Error(`no ${event} call was sent (sent: ${this.calls.map((c) => c.event).join(', ') || 'nothing'})`);
    const [call] = this.calls.splice(index, 1);
    return call as SentCall;
  }
}

/** Let pending promise callbacks run (acks are answered synchronously, awaits resume later). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await Promise.resolve();
}
