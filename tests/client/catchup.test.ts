// The sequencing rules of docs/realtime.md ("Catching up without gaps"), without a socket.
import { describe, expect, it } from 'vitest';
import { CatchUp, type Envelope, isEnvelope, isRedacted } from '../../static/src/chat/catchup';
import { channel, envelope, message, redacted } from './fixtures';

function created(id: number, prevId: number, channelId: number | null = 100): Envelope {
  return envelope('message.created', message(id * 10), { id, prev_id: prevId, channel_id: channelId });
}

function sequencer(cursor: number, notices: number[] = []) {
  const applied: number[] = [];
  const catchUp = new CatchUp(
    cursor,
    (env) => applied.push(env.id),
    (env) => env.type === 'channel.updated' && notices.includes(env.channel_id ?? 0),
  );
  return { catchUp, applied };
}

describe('live events', () => {
  it('apply when they follow on in their stream, each stream on its own', () => {
    const { catchUp, applied } = sequencer(5);
    expect(catchUp.live(created(6, 2))).toBe(false); // prev_id at or below the cursor
    expect(catchUp.live(created(7, 4, 200))).toBe(false); // another channel's stream
    expect(catchUp.live(created(8, 6))).toBe(false);
    expect(catchUp.live(created(9, 0, null))).toBe(false); // the personal stream
    expect(applied).toEqual([6, 7, 8, 9]);
  });

  it('drop duplicates: at or below the stream position or the cursor', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.live(created(6, 5));
    expect(catchUp.live(created(6, 5))).toBe(false);
    expect(catchUp.live(created(4, 0))).toBe(false);
    expect(applied).toEqual([6]);
  });

  it('report a hole instead of applying an event whose predecessor is missing', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.live(created(6, 5));
    expect(catchUp.live(created(9, 8))).toBe(true);
    expect(applied).toEqual([6]);
    // A first event of a stream must also follow on from the cursor.
    expect(catchUp.live(created(12, 11, 200))).toBe(true);
    expect(applied).toEqual([6]);
  });

  it('apply a public channel notice as it is when it does not follow on, without moving its stream', () => {
    const { catchUp, applied } = sequencer(5, [300]);
    const notice = envelope('channel.updated', channel(300), { id: 20, prev_id: 15, channel_id: 300 });
    expect(catchUp.live(notice)).toBe(false);
    expect(applied).toEqual([20]);
    // The stream was not advanced: a later event of it that follows the cursor still applies.
    catchUp.live(envelope('channel.updated', channel(300), { id: 21, prev_id: 3, channel_id: 300 }));
    expect(applied).toEqual([20, 21]);
  });
});

describe('a sync', () => {
  it('holds live events back until its pages are in, then applies everything once in id order', () => {
    const { catchUp, applied } = sequencer(5);
    expect(catchUp.syncStarted()).toBe(5);
    expect(catchUp.live(created(9, 7))).toBe(false);
    catchUp.replayed([created(7, 6), created(6, 0)]);
    catchUp.replayed([created(9, 7)]);
    expect(applied).toEqual([]);
    expect(catchUp.syncFinished(9)).toBe(false);
    expect(applied).toEqual([6, 7, 9]);
  });

  it('trusts replayed events without checking prev_id (they are complete)', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.syncStarted();
    catchUp.replayed([created(8, 7)]); // 7 was not for us: a replay is still complete
    catchUp.syncFinished(8);
    expect(applied).toEqual([8]);
  });

  it('moves the cursor to the last page and forgets stream positions at or below it', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.live(created(6, 5));
    catchUp.syncStarted();
    catchUp.syncFinished(20);
    expect(catchUp.cursor).toBe(20);
    // Position 6 is forgotten: the next event of the stream follows on from the cursor.
    expect(catchUp.live(created(21, 15))).toBe(false);
    expect(applied).toEqual([6, 21]);
  });

  it('keeps the cursor where it was until the sync finishes, and after a failed one', () => {
    const { catchUp } = sequencer(5);
    catchUp.syncStarted();
    catchUp.replayed([created(6, 0)]);
    expect(catchUp.cursor).toBe(5);
    catchUp.syncAborted();
    expect(catchUp.syncing).toBe(false);
    expect(catchUp.cursor).toBe(5);
  });

  it('restarts from a new head after the cursor expired, dropping what was queued', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.live(created(6, 5));
    catchUp.syncStarted();
    catchUp.live(created(7, 6));
    catchUp.restart(50);
    catchUp.syncFinished(50);
    expect(applied).toEqual([6]);
    expect(catchUp.cursor).toBe(50);
    expect(catchUp.live(created(51, 7))).toBe(false);
    expect(applied).toEqual([6, 51]);
  });
});

describe('holding events while a workspace loads', () => {
  it('applies nothing until every hold is released', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.hold();
    catchUp.hold();
    catchUp.live(created(6, 5));
    expect(catchUp.release()).toBe(false);
    expect(applied).toEqual([]);
    expect(catchUp.release()).toBe(false);
    expect(applied).toEqual([6]);
  });

  it('reports a hole found among the held events when released', () => {
    const { catchUp } = sequencer(5);
    catchUp.hold();
    expect(catchUp.live(created(8, 7))).toBe(false);
    expect(catchUp.release()).toBe(true);
  });

  it('applies a finished sync only after the hold, and moves the cursor then', () => {
    const { catchUp, applied } = sequencer(5);
    catchUp.hold();
    catchUp.syncStarted();
    catchUp.replayed([created(6, 0)]);
    catchUp.syncFinished(6);
    expect(applied).toEqual([]);
    expect(catchUp.cursor).toBe(5);
    catchUp.release();
    expect(applied).toEqual([6]);
    expect(catchUp.cursor).toBe(6);
  });
});

describe('the network boundary', () => {
  it('accepts documented envelopes and refuses anything else', () => {
    expect(isEnvelope(created(6, 5))).toBe(true);
    expect(isEnvelope(created(6, 5, null))).toBe(true);
    expect(isEnvelope({ ...created(6, 5), type: 'typing' })).toBe(false);
    expect(isEnvelope({ ...created(6, 5), prev_id: '5' })).toBe(false);
    expect(isEnvelope({ ...created(6, 5), data: null })).toBe(false);
    expect(isEnvelope(message(6))).toBe(false);
    expect(isEnvelope(null)).toBe(false);
  });

  it('tells redacted replays from live content', () => {
    expect(isRedacted(redacted('message.created', 60, { id: 6, prev_id: 0 }))).toBe(true);
    expect(isRedacted(created(6, 5))).toBe(false);
  });
});
