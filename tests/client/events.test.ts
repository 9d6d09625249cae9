// Server events -> state, through the public doors: events.applyEnvelope/applyEphemeral change
// the state the views read (state.ts selectors), via the store.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel } from '../../static/src/api/types';
import type { Envelope } from '../../static/src/chat/catchup';
import { applyEnvelope, applyEphemeral, connectionChanged, typingNames } from '../../static/src/chat/events';
import { discard, pendingFor, queueMessage } from '../../static/src/chat/outbox';
import { register } from '../../static/src/chat/render';
import { badgeCounts, state, workspaceTotals } from '../../static/src/chat/state';
import * as store from '../../static/src/chat/store';
import { channel, envelope, ME, member, message, redacted, user, WORKSPACE } from './fixtures';

const OPEN = 200; // the channel on screen; events mostly concern channel 100
let position = 0;
let requests: string[];
let answers: Record<string, unknown>;

/** A live envelope for channel 100 (log positions are the sequencer's business, not tested here). */
function event(type: Envelope['type'], data: object, fields: { workspace_id?: number; channel_id?: number | null } = {}) {
  position += 1;
  return envelope(type, data, { id: position, prev_id: position - 1, ...fields });
}

function channel100(): Channel {
  const found = state.channels.get(100);
  if (!found) throw new Error('channel 100 is not listed');
  return found;
}

beforeEach(() => {
  vi.useFakeTimers();
  requests = [];
  answers = {
    '/workspaces': { workspaces: [{ id: WORKSPACE, name: 'Acme', slug: 'acme', max_file_size: 1000, role: 'member' }] },
    '/workspaces/10/members': { members: [member(ME, 'Ada'), member(2, 'Grace')] },
  };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const path = url.replace('/api/v1', '');
      requests.push(path);
      return new Response(JSON.stringify(answers[path.split('?')[0] ?? ''] ?? {}), { status: 200 });
    }),
  );
  store.clearWorkspace();
  store.setWorkspaces([{ id: WORKSPACE, name: 'Acme', slug: 'acme', max_file_size: 1000, role: 'member' } as never]);
  store.enterWorkspace(WORKSPACE);
  store.workspaceLoaded(
    [
      channel(100, { last_message_id: 50, last_read_id: 50 }),
      channel(OPEN),
      channel(300, { kind: 'dm', name: null, members: [user(ME, 'Ada'), user(2, 'Grace')] }),
    ],
    [member(ME, 'Ada'), member(2, 'Grace')],
    { 2: 'online' },
    true,
  );
  store.channelOpened(100);
  store.historyPageLoaded(state.stores.get(100) as never, [message(40), message(50)], false);
  store.channelOpened(OPEN);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('message.created', () => {
  it('shows the message in its channel and counts it as unread for a channel not on screen', () => {
    applyEnvelope(event('message.created', message(51)));
    expect(state.stores.get(100)?.messages.has(51)).toBe(true);
    expect(channel100().unread_count).toBe(1);
    expect(channel100().last_message_id).toBe(51);
    expect(channel100().mention_count).toBe(0);
  });

  it('counts a mention of me, and a reply as neither unread nor shown in the channel', () => {
    applyEnvelope(event('message.created', message(51, { html: `<p><span data-user-id="${ME}">@Ada</span></p>` })));
    applyEnvelope(event('message.created', message(52, { thread_root_id: 50 })));
    expect(channel100().unread_count).toBe(1);
    expect(channel100().mention_count).toBe(1);
    expect(state.stores.get(100)?.messages.has(52)).toBe(false);
  });

  it('never counts the same message twice (a replay, or one at or below the loaded watermark)', () => {
    const created = event('message.created', message(51));
    applyEnvelope(created);
    applyEnvelope(created);
    applyEnvelope(event('message.created', message(45)));
    expect(channel100().unread_count).toBe(1);
  });

  it('does not count my own message and settles it in the outbox', () => {
    const item = queueMessage(100, 'hello'); // not connected: it waits in the outbox
    expect(pendingFor(100)).toHaveLength(1);
    applyEnvelope(event('message.created', message(51, { author: user(ME, 'Ada'), client_msg_id: item.client_msg_id })));
    expect(pendingFor(100)).toHaveLength(0);
    expect(channel100().unread_count).toBe(0);
    expect(channel100().last_message_id).toBe(51);
    discard(item.client_msg_id);
  });

  it('marks the channel on screen read at once instead of counting', () => {
    applyEnvelope(event('message.created', message(51, { channel_id: OPEN }), { channel_id: OPEN }));
    const open = state.channels.get(OPEN);
    expect(open?.unread_count).toBe(0);
    expect(open?.last_read_id).toBe(51);
  });

  it('counts an unread direct message as a mention in the badges and totals', () => {
    applyEnvelope(event('message.created', message(51, { channel_id: 300 }), { channel_id: 300 }));
    applyEnvelope(event('message.created', message(52)));
    const dm = state.channels.get(300) as Channel;
    expect(dm.mention_count).toBe(0); // the server does not count DMs as mentions either
    expect(badgeCounts(dm)).toEqual({ unread: 1, mentions: 1 });
    expect(workspaceTotals()).toEqual({ unread: 2, mentions: 1 });
  });

  it('re-renders the sidebar once for a burst of events', async () => {
    const sidebar = vi.fn();
    register('sidebar', sidebar);
    applyEnvelope(event('message.created', message(51)));
    applyEnvelope(event('message.created', message(52)));
    expect(sidebar).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(sidebar).toHaveBeenCalledTimes(1);
  });

  it('reloads the channel list for a conversation not loaded yet, and nothing else', async () => {
    answers['/workspaces/10/channels'] = { channels: [channel(100), channel(OPEN), channel(400, { kind: 'dm' })] };
    applyEnvelope(event('message.created', message(60, { channel_id: 400 }), { channel_id: 400 }));
    expect(state.channels.has(400)).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect(requests).toContain('/workspaces/10/channels');
    expect(state.channels.has(400)).toBe(true);
  });

  it('leaves another workspace to the server: its badge is reloaded, nothing is added here', async () => {
    applyEnvelope(event('message.created', message(51, { workspace_id: 11 }), { workspace_id: 11 }));
    expect(state.stores.get(100)?.messages.has(51)).toBe(false);
    expect(channel100().unread_count).toBe(0);
    await vi.advanceTimersByTimeAsync(300);
    expect(requests).toContain('/workspaces');
  });

  it('skips a redacted replay and lets the server count instead', async () => {
    answers['/workspaces/10/channels'] = { channels: [channel(100, { unread_count: 1 }), channel(OPEN)] };
    applyEnvelope(redacted('message.created', 51, { id: 900, prev_id: 0 }));
    expect(state.stores.get(100)?.messages.has(51)).toBe(false);
    expect(channel100().unread_count).toBe(0);
    await vi.advanceTimersByTimeAsync(300);
    expect(channel100().unread_count).toBe(1);
  });
});

describe('message.updated and message.deleted', () => {
  it('replaces a shown message', () => {
    applyEnvelope(event('message.updated', message(50, { body: 'edited' })));
    expect(state.stores.get(100)?.messages.get(50)?.body).toBe('edited');
  });

  it('adds a message first heard of by its update only when it falls inside the loaded history', () => {
    applyEnvelope(event('message.updated', message(45)));
    applyEnvelope(event('message.updated', message(30)));
    const ids = [...(state.stores.get(100)?.messages.keys() ?? [])].sort((a, b) => a - b);
    expect(ids).toEqual([40, 45, 50]);
  });

  it('keeps an open pins list in step with pinning and unpinning', () => {
    store.channelOpened(100);
    const pins = store.listPanelOpened('pins');
    store.pinsListLoaded(pins as never, [message(40, { pinned: true })]);
    applyEnvelope(event('message.updated', message(50, { pinned: true })));
    applyEnvelope(event('message.updated', message(40, { pinned: false })));
    expect(state.panel?.kind === 'pins' && state.panel.list?.map((m) => m.id)).toEqual([50]);
  });

  it('removes a deleted message, keeps one with replies as a placeholder, and stops editing it', () => {
    store.historyPageLoaded(state.stores.get(100) as never, [message(45, { reply_count: 2 })], false);
    store.startEditing(message(50));
    applyEnvelope(event('message.deleted', { id: 50, channel_id: 100, thread_root_id: null }));
    applyEnvelope(event('message.deleted', { id: 45, channel_id: 100, thread_root_id: null }));
    const history = state.stores.get(100)?.messages;
    expect(history?.has(50)).toBe(false);
    expect(history?.get(45)).toMatchObject({ deleted: true, body: '', reactions: [] });
    expect(state.editing).toBeNull();
  });

  it('recounts when an unread message is deleted', async () => {
    answers['/workspaces/10/channels'] = { channels: [channel(100, { last_message_id: 50, last_read_id: 50 }), channel(OPEN)] };
    applyEnvelope(event('message.created', message(51)));
    applyEnvelope(event('message.deleted', { id: 51, channel_id: 100, thread_root_id: null }));
    expect(channel100().unread_count).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(channel100().unread_count).toBe(0);
  });
});

describe('channel events', () => {
  it('channel.updated changes the channel but keeps our counters and read position', () => {
    applyEnvelope(event('message.created', message(51)));
    const listener = vi.fn();
    document.addEventListener('chat:public-channels-changed', listener);
    applyEnvelope(event('channel.updated', channel(100, { topic: 'new topic', unread_count: 0, last_read_id: 0, last_message_id: 10 })));
    document.removeEventListener('chat:public-channels-changed', listener);
    expect(channel100()).toMatchObject({ topic: 'new topic', unread_count: 1, last_read_id: 50, last_message_id: 51 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('channel.updated for a channel we do not list adds nothing', () => {
    applyEnvelope(event('channel.updated', channel(700), { channel_id: 700 }));
    expect(state.channels.has(700)).toBe(false);
  });

  it('being removed from a channel reloads the list; someone else leaving reloads the open members list', async () => {
    answers['/workspaces/10/channels'] = { channels: [channel(OPEN)] };
    answers['/channels/200/members'] = { members: [member(ME)] };
    const members = store.listPanelOpened('members');
    store.membersListLoaded(members as never, [member(ME), member(2)]);
    applyEnvelope(event('channel.member_removed', { channel_id: OPEN, user_id: 2 }, { channel_id: OPEN }));
    await vi.advanceTimersByTimeAsync(300);
    expect(state.panel?.kind === 'members' && state.panel.list?.map((m) => m.id)).toEqual([ME]);
    applyEnvelope(event('channel.member_removed', { channel_id: 100, user_id: ME }, { channel_id: null }));
    await vi.advanceTimersByTimeAsync(300);
    expect(state.channels.has(100)).toBe(false);
    expect(state.stores.has(100)).toBe(false);
  });
});

describe('read positions (channel.read)', () => {
  it('clears the counters when read up to the newest message', () => {
    applyEnvelope(event('message.created', message(51)));
    applyEphemeral('channel.read', { channel_id: 100, last_read_id: 51, workspace_id: WORKSPACE });
    expect(channel100()).toMatchObject({ last_read_id: 51, unread_count: 0, mention_count: 0 });
  });

  it('read to the middle: keeps the counters and asks the server to count', async () => {
    answers['/workspaces/10/channels'] = {
      channels: [channel(100, { last_message_id: 52, last_read_id: 51, unread_count: 1 }), channel(OPEN)],
    };
    applyEnvelope(event('message.created', message(51)));
    applyEnvelope(event('message.created', message(52)));
    applyEphemeral('channel.read', { channel_id: 100, last_read_id: 51, workspace_id: WORKSPACE });
    expect(channel100()).toMatchObject({ last_read_id: 51, unread_count: 2 });
    await vi.advanceTimersByTimeAsync(300);
    expect(channel100()).toMatchObject({ last_read_id: 51, unread_count: 1 });
  });

  it('never moves a read position back', () => {
    applyEphemeral('channel.read', { channel_id: 100, last_read_id: 30, workspace_id: WORKSPACE });
    expect(channel100().last_read_id).toBe(50);
  });
});

describe('typing', () => {
  const typing = (userId: number, fields: Record<string, unknown> = {}) =>
    applyEphemeral('typing', { channel_id: 100, thread_root_id: null, workspace_id: WORKSPACE, user: user(userId, `User ${userId}`), ...fields });

  it('shows who is typing for six seconds after their last typing event', () => {
    typing(2);
    expect(typingNames(100)).toEqual(['User 2']);
    vi.advanceTimersByTime(5000);
    typing(2);
    vi.advanceTimersByTime(5000);
    expect(typingNames(100)).toEqual(['User 2']);
    vi.advanceTimersByTime(1000);
    expect(typingNames(100)).toEqual([]);
  });

  it('keeps threads apart and ends when the person’s message arrives', () => {
    typing(2);
    typing(3, { thread_root_id: 50 });
    expect(typingNames(100, 50)).toEqual(['User 3']);
    applyEnvelope(event('message.created', message(51)));
    expect(typingNames(100)).toEqual([]);
    expect(typingNames(100, 50)).toEqual(['User 3']);
  });

  it('ignores my own typing and other workspaces, and forgets everyone when the connection drops', () => {
    typing(ME);
    typing(3, { workspace_id: 11 });
    expect(typingNames(100)).toEqual([]);
    typing(2);
    connectionChanged(false);
    expect(typingNames(100)).toEqual([]);
  });
});

describe('presence and members', () => {
  it('presence.changed sets online and away, and offline forgets the person', () => {
    applyEphemeral('presence.changed', { user_id: 3, status: 'away', workspace_id: WORKSPACE });
    applyEphemeral('presence.changed', { user_id: 2, status: 'offline', workspace_id: WORKSPACE });
    applyEphemeral('presence.changed', { user_id: 4, status: 'online', workspace_id: 11 });
    expect([...state.presence]).toEqual([[3, 'away']]);
  });

  it('workspace.member_updated reloads the members', async () => {
    answers['/workspaces/10/members'] = { members: [member(ME, 'Ada'), member(2, 'Grace Hopper')] };
    applyEphemeral('workspace.member_updated', { ...member(2, 'Grace Hopper'), workspace_id: WORKSPACE });
    await vi.advanceTimersByTimeAsync(300);
    expect(state.members.get(2)?.display_name).toBe('Grace Hopper');
  });

  it('ignores malformed payloads', () => {
    expect(() => {
      applyEphemeral('presence.changed', null);
      applyEphemeral('typing', { channel_id: 100, workspace_id: WORKSPACE });
      applyEphemeral('channel.read', { channel_id: '100' });
    }).not.toThrow();
    expect(typingNames(100)).toEqual([]);
    expect(channel100().last_read_id).toBe(50);
  });
});
