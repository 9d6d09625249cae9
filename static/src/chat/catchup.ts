// The sequencing half of "no lost messages" (docs/realtime.md, "Catching up without gaps"),
// kept apart from the socket so it can be tested without one. realtime.ts feeds it what arrives
// and runs a sync whenever it answers that one is needed.
//
// Every durable server event is an envelope {id, prev_id, type, workspace_id, channel_id, data}.
// Its stream is its audience: the channel, or us (channel_id null). prev_id is the id of the
// stream's previous event, so a gap is visible: an event whose prev_id we have not applied
// means one went missing, and we sync instead of skipping it.
//
// `cursor` is a resume point that only a finished sync moves: every event at or below it has
// been received. `last` holds, per stream, the newest event applied above the cursor. An event
// is applied when it follows on (its prev_id is last[stream], or at or below the cursor for a
// stream with nothing newer); an id at or below either is a duplicate; anything else is a hole.
//
// One exception: a public channel's channel.updated also reaches workspace members who have not
// joined it. That stream is not ours (sync never returns it), so when such an event does not
// follow on, it is a notice: applied as it is, leaving the stream bookkeeping alone.

import type { components } from '../api/schema';
import type { DurableEvent, DurableEventName } from '../api/types';

type RedactedMessage = components['schemas']['RedactedMessage'];

/** What every envelope carries besides its type and data. */
export interface EnvelopeHead {
  id: number;
  prev_id: number;
  channel_id: number | null;
  workspace_id: number;
}

/** A replayed message event whose message changed or went away later (docs/realtime.md). */
export type RedactedEnvelope = EnvelopeHead & {
  type: 'message.created' | 'message.updated' | 'message.deleted';
  data: RedactedMessage;
};

/** A durable event as the client handles it: live events have the documented shape; replayed
 *  message events may be redacted. */
export type Envelope = DurableEvent | RedactedEnvelope;

export const DURABLE_EVENTS: readonly DurableEventName[] = [
  'message.created',
  'message.updated',
  'message.deleted',
  'channel.created',
  'channel.updated',
  'channel.member_added',
  'channel.member_removed',
  'workspace.joined',
];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The network boundary: is this an envelope of a durable event we know? */
export function isEnvelope(value: unknown): value is Envelope {
  return (
    isRecord(value) &&
    typeof value.id === 'number' &&
    typeof value.prev_id === 'number' &&
    typeof value.workspace_id === 'number' &&
    (value.channel_id === null || typeof value.channel_id === 'number') &&
    (DURABLE_EVENTS as readonly unknown[]).includes(value.type) &&
    isRecord(value.data)
  );
}

export const isRedacted = (envelope: Envelope): envelope is RedactedEnvelope =>
  'redacted' in envelope.data && envelope.data.redacted === true;

type Stream = number | 'me';

interface Queued {
  envelope: Envelope;
  /** Returned by sync: complete, so only de-duplicated, never checked for holes. */
  replayed: boolean;
}

export class CatchUp {
  private cursorValue: number;
  private last = new Map<Stream, number>();
  private queue: Queued[] = [];
  private holds = 0;
  private syncingNow = false;
  /** Where a finished sync moves the cursor once its events are applied. */
  private syncedCursor: number | null = null;

  /**
   * apply(envelope): put one event into the state (errors are logged, not thrown);
   * isNotice(envelope): a channel.updated for a public channel we are not in.
   */
  constructor(
    cursor: number,
    private readonly apply: (envelope: Envelope) => void,
    private readonly isNotice: (envelope: Envelope) => boolean,
  ) {
    this.cursorValue = cursor;
  }

  get cursor(): number {
    return this.cursorValue;
  }

  get syncing(): boolean {
    return this.syncingNow;
  }

  /** A live event arrived. Answers true when it revealed a hole: sync from the cursor. */
  live(envelope: Envelope): boolean {
    this.queue.push({ envelope, replayed: false });
    return this.drain();
  }

  /** A sync begins; live events queue until it finishes. Answers where to sync from. */
  syncStarted(): number {
    this.syncingNow = true;
    return this.cursorValue;
  }

  /** One page of a sync's events. */
  replayed(events: Envelope[]): void {
    for (const envelope of events) this.queue.push({ envelope, replayed: true });
  }

  /** The sync's last page said `cursor`: apply what is queued. Answers true on a hole. */
  syncFinished(cursor: number): boolean {
    this.syncingNow = false;
    this.syncedCursor = cursor;
    return this.drain();
  }

  /** The sync failed or the connection dropped: what is queued waits for the next sync. */
  syncAborted(): void {
    this.syncingNow = false;
  }

  /** The log no longer reaches our cursor and the state was reloaded as of `cursor`. */
  restart(cursor: number): void {
    this.cursorValue = cursor;
    this.last = new Map();
    this.queue.length = 0; // the reloaded state includes them
  }

  /** Keep events queued (a workspace is loading) until release(). */
  hold(): void {
    this.holds += 1;
  }

  /** Answers true when applying what was held revealed a hole. */
  release(): boolean {
    this.holds -= 1;
    return this.drain();
  }

  /**
   * Apply what is queued, in id order (replayed pages, events held during a load and live ones
   * interleave). Answers true when an event's predecessor is missing: the next sync brings both.
   */
  private drain(): boolean {
    if (this.holds > 0 || this.syncingNow) return false;
    this.queue.sort((a, b) => a.envelope.id - b.envelope.id);
    let hole = false;
    for (const { envelope, replayed } of this.queue.splice(0)) {
      const stream: Stream = envelope.channel_id ?? 'me';
      const newest = this.last.get(stream);
      if (envelope.id <= (newest ?? this.cursorValue)) continue; // applied already
      const follows = newest === undefined ? envelope.prev_id <= this.cursorValue : envelope.prev_id === newest;
      if (!replayed && !follows) {
        if (this.isNotice(envelope)) this.apply(envelope); // not a stream of ours
        else hole = true;
        continue;
      }
      this.last.set(stream, envelope.id);
      this.apply(envelope);
    }
    if (this.syncedCursor !== null) {
      // Every event up to the sync's cursor is applied now: older stream positions are implied.
      this.cursorValue = Math.max(this.cursorValue, this.syncedCursor);
      this.syncedCursor = null;
      for (const [stream, id] of this.last) if (id <= this.cursorValue) this.last.delete(stream);
    }
    return hole;
  }
}
