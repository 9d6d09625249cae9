import { describe, expect, it } from 'vitest';
import { GROUP_MS, type Groupable, groupMessages } from '../../static/src/chat/grouping';

const ME = 1;
const T0 = new Date(2025, 0, 31, 9, 0, 0).getTime();

function msg(id: number, author: number, at: number, deleted = false): Groupable {
  return { id, author: { id: author }, created_at: new Date(at).toISOString(), deleted };
}

/** The layout as short words: day, new, m<id> or m<id>+ (compact). */
const shape = (messages: Groupable[], readMarker: number | null = null) =>
  groupMessages(messages, readMarker, ME).map((item) =>
    item.kind === 'message' ? `m${item.message.id}${item.compact ? '+' : ''}` : item.kind);

describe('groupMessages', () => {
  it('starts with a day divider and groups one author within GROUP_MS', () => {
    expect(shape([msg(1, 2, T0), msg(2, 2, T0 + 60_000), msg(3, 2, T0 + 120_000)])).toEqual(['day', 'm1', 'm2+', 'm3+']);
  });

  it('starts a new group after GROUP_MS or with another author', () => {
    expect(shape([msg(1, 2, T0), msg(2, 2, T0 + GROUP_MS), msg(3, 3, T0 + GROUP_MS + 1000)])).toEqual(['day', 'm1', 'm2', 'm3']);
  });

  it('never groups a deleted message or the one after it', () => {
    expect(shape([msg(1, 2, T0), msg(2, 2, T0 + 1000, true), msg(3, 2, T0 + 2000)])).toEqual(['day', 'm1', 'm2', 'm3']);
  });

  it('puts a divider before each new day and breaks the group there', () => {
    const late = new Date(2025, 0, 31, 23, 59, 0).getTime();
    const early = new Date(2025, 1, 1, 0, 1, 0).getTime();
    const items = groupMessages([msg(1, 2, late), msg(2, 2, early)], null, ME);
    expect(items.map((i) => i.kind)).toEqual(['day', 'message', 'day', 'message']);
    expect(items.filter((i) => i.kind === 'message').every((i) => !i.compact)).toBe(true);
    expect(new Set(items.map((i) => i.key)).size).toBe(items.length);
  });

  it('marks the first message from someone else after the read position as new, once', () => {
    const messages = [msg(1, 2, T0), msg(2, 2, T0 + 1000), msg(3, 2, T0 + 2000), msg(4, 2, T0 + 3000)];
    expect(shape(messages, 2)).toEqual(['day', 'm1', 'm2+', 'new', 'm3', 'm4+']);
  });

  it('does not count my own messages as new', () => {
    expect(shape([msg(1, 2, T0), msg(2, ME, T0 + 1000), msg(3, 2, T0 + 2000)], 1)).toEqual(['day', 'm1', 'm2', 'new', 'm3']);
  });

  it('shows no new divider without a read position', () => {
    expect(shape([msg(1, 2, T0), msg(2, 2, T0 + 1000)], null)).toEqual(['day', 'm1', 'm2+']);
  });

  it('lays out an empty channel as nothing', () => {
    expect(groupMessages([], 5, ME)).toEqual([]);
  });
});
