// Messages typed but not yet confirmed by the server. Each keeps its client_msg_id for life:
// resending after a timeout or a reconnect is safe because the server answers a repeated id
// with the stored original instead of posting twice.

import type { FileInfo, Message } from '../api/types';
import { ApiError } from '../shared/api';
import { emitAck, isConnected } from './realtime';
import { invalidate } from './render';

/** 'sending' | 'queued' (waiting for the connection) | 'failed' (rejected; the person decides) */
export type OutboxStatus = 'sending' | 'queued' | 'failed';

/** A message typed but not confirmed yet. The outbox is its own small store: only this module
 *  changes these items (views read them through pendingFor). */
export interface OutboxItem {
  client_msg_id: string;
  channel_id: number;
  thread_root_id: number | null;
  body: string;
  /** The uploaded File payloads sent with it (their ids go out as file_ids on every attempt). */
  files: FileInfo[];
  status: OutboxStatus;
  error: string | null;
  created_at: string;
  attempts?: number;
  inFlight?: boolean;
}

/** client_msg_id -> the item, oldest first. */
export const outbox = new Map<string, OutboxItem>();

let onDelivered: (message: Message) => void = () => {};

/** Called with each message payload the server confirmed. */
export function setDeliveredHandler(fn: (message: Message) => void): void {
  onDelivered = fn;
}

export function queueMessage(
  channelId: number,
  body: string,
  threadRootId: number | null = null,
  files: FileInfo[] = [],
): OutboxItem {
  const item: OutboxItem = {
    client_msg_id: crypto.randomUUID(),
    channel_id: channelId,
    thread_root_id: threadRootId,
    body,
    files,
    status: 'queued',
    error: null,
    created_at: new Date().toISOString(),
  };
  outbox.set(item.client_msg_id, item);
  void transmit(item);
  return item;
}

export function pendingFor(channelId: number, threadRootId: number | null = null): OutboxItem[] {
  return [...outbox.values()].filter((i) => i.channel_id === channelId && (i.thread_root_id ?? null) === threadRootId);
}

/** The server confirmed this message (ack or live event): it is no longer pending. */
export function settle(clientMsgId: string | null | undefined): void {
  if (clientMsgId && outbox.delete(clientMsgId)) invalidate('messages', 'panel');
}

export function discard(clientMsgId: string): void {
  settle(clientMsgId);
}

export function retry(clientMsgId: string): void {
  const item = outbox.get(clientMsgId);
  if (item) void transmit(item);
}

/** After a reconnect: send everything that was waiting, oldest first. */
export function flushOutbox(): void {
  for (const item of outbox.values()) {
    if (item.status !== 'failed') void transmit(item);
  }
}

/** Errors worth another try with the same id: nothing was stored, or we cannot know. */
const TRANSIENT = ['timeout', 'disconnected', 'internal_error', 'unauthorized'];
const MAX_ATTEMPTS = 5;
const RETRY_MS = 3000;

async function transmit(item: OutboxItem): Promise<void> {
  if (!isConnected()) {
    item.status = 'queued';
    invalidate('messages', 'panel');
    return;
  }
  if (item.status === 'sending' && item.inFlight) return;
  item.status = 'sending';
  item.inFlight = true;
  item.attempts = (item.attempts ?? 0) + 1;
  item.error = null;
  invalidate('messages', 'panel');
  try {
    const message = await emitAck(
      'message.send',
      {
        channel_id: item.channel_id,
        body: item.body,
        client_msg_id: item.client_msg_id,
        ...(item.thread_root_id ? { thread_root_id: item.thread_root_id } : {}),
        ...(item.files.length ? { file_ids: item.files.map((f) => f.id) } : {}),
      },
      15000,
    );
    outbox.delete(item.client_msg_id);
    onDelivered(message);
  } catch (err) {
    if (!outbox.has(item.client_msg_id)) return; // confirmed meanwhile by the live event
    const code = err instanceof ApiError ? err.code : '';
    if (TRANSIENT.includes(code) && (code === 'disconnected' || (item.attempts ?? 0) < MAX_ATTEMPTS)) {
      // Transient: keep it and send again (same id) when the connection is good.
      item.status = 'queued';
      if (isConnected()) {
        setTimeout(() => {
          if (outbox.has(item.client_msg_id)) void transmit(item);
        }, RETRY_MS);
      }
    } else {
      item.status = 'failed';
      item.error = err instanceof Error ? err.message : String(err);
    }
  } finally {
    item.inFlight = false;
    invalidate('messages', 'panel');
  }
}
