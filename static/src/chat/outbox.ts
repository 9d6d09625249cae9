// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Messages typed but not yet confirmed by the server. Each keeps its client_msg_id for life:
// resending after a timeout or a reconnect is safe because the server answers a repeated id
// with the stored original instead of posting twice.

import { emitAck, isConnected } from './realtime';
import { invalidate } from './render';

/** client_msg_id -> {client_msg_id, channel_id, thread_root_id, body, files, status, error, created_at}
 *  files: the uploaded File payloads sent with it (their ids go out as file_ids on every attempt)
 *  status: 'sending' | 'queued' (waiting for the connection) | 'failed' (rejected; user decides) */
export const outbox = new Map();

let onDelivered = () => {};

/** Called with each message payload the server confirmed. */
export function setDeliveredHandler(fn) {
  onDelivered = fn;
}

export function queueMessage(channelId, body, threadRootId = null, files = []) {
  const item = {
    client_msg_id: crypto.randomUUID(), channel_id: channelId, thread_root_id: threadRootId,
    body, files, status: 'queued', error: null, created_at: new Date().toISOString(),
  };
  outbox.set(item.client_msg_id, item);
  transmit(item);
  return item;
}

export function pendingFor(channelId, threadRootId = null) {
  return [...outbox.values()].filter((i) => i.channel_id === channelId && (i.thread_root_id ?? null) === threadRootId);
}

/** The server confirmed this message (ack or live event): it is no longer pending. */
export function settle(clientMsgId) {
  if (clientMsgId && outbox.delete(clientMsgId)) invalidate('messages', 'panel');
}

export function discard(clientMsgId) {
  settle(clientMsgId);
}

export function retry(clientMsgId) {
  const item = outbox.get(clientMsgId);
  if (item) transmit(item);
}

/** After a reconnect: send everything that was waiting, oldest first. */
export function flushOutbox() {
  for (const item of outbox.values()) {
    if (item.status !== 'failed') transmit(item);
  }
}

async function transmit(item) {
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
    const message = await emitAck('message.send', {
      channel_id: item.channel_id, body: item.body, client_msg_id: item.client_msg_id,
      ...(item.thread_root_id ? { thread_root_id: item.thread_root_id } : {}),
      ...(item.files?.length ? { file_ids: item.files.map((f) => f.id) } : {}),
    }, 15000);
    outbox.delete(item.client_msg_id);
    onDelivered(message);
  } catch (err) {
    if (!outbox.has(item.client_msg_id)) return; // confirmed meanwhile by the live event
    const transient = ['timeout', 'disconnected', 'internal_error', 'unauthorized'].includes(err.code);
    if (transient && (err.code === 'disconnected' || item.attempts < 5)) {
      // Transient: keep it and send again (same id) when the connection is good.
      item.status = 'queued';
      if (isConnected()) setTimeout(() => outbox.has(item.client_msg_id) && transmit(item), 3000);
    } else {
      item.status = 'failed';
      item.error = err.message;
    }
  } finally {
    item.inFlight = false;
    invalidate('messages', 'panel');
  }
}
