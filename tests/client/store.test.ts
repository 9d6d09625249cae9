// The store's mutations and the state selectors views use, plus the text helpers and the REST
// helper this part of the client owns.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { displayName, mentionsMe, state } from '../../static/src/chat/state';
import * as store from '../../static/src/chat/store';
import { formatSize } from '../../static/src/chat/uploads';
import { ApiError, api } from '../../static/src/shared/api';
import { channel, ME, message, user, WORKSPACE } from './fixtures';

beforeEach(() => {
  store.clearWorkspace();
  store.enterWorkspace(WORKSPACE);
  store.workspaceLoaded([channel(100, { last_read_id: 40, unread_count: 2 }), channel(200)], [], {}, true);
});

describe('opening a channel', () => {
  it('puts the "New" divider at the read position only when something is unread', () => {
    expect(store.channelOpened(100)?.readMarker).toBe(40);
    expect(store.channelOpened(200)?.readMarker).toBeNull();
    expect(state.channelId).toBe(200);
  });

  it('closes a thread or pins panel of the previous channel and stops editing', () => {
    store.channelOpened(100);
    store.threadOpened(5);
    store.startEditing(message(5));
    store.channelOpened(200);
    expect(state.panel).toBeNull();
    expect(state.editing).toBeNull();
    store.listPanelOpened('pins');
    store.channelOpened(100);
    expect(state.panel).toBeNull();
  });

  it('answers null for a channel not listed', () => {
    expect(store.channelOpened(999)).toBeNull();
    expect(state.stores.has(999)).toBe(false);
  });
});

describe('messages', () => {
  it('an ack never overwrites a newer event (onlyIfMissing); an update adds nothing (onlyIfPresent)', () => {
    const history = store.channelOpened(100);
    store.upsertMessage(message(5, { body: 'edited', channel_id: 100 }));
    store.upsertMessage(message(5, { body: 'original', channel_id: 100 }), { onlyIfMissing: true });
    store.upsertMessage(message(6, { channel_id: 100 }), { onlyIfPresent: true });
    expect(history?.messages.get(5)?.body).toBe('edited');
    expect(history?.messages.has(6)).toBe(false);
  });

  it('a reply goes to the open thread, not the channel history', () => {
    const history = store.channelOpened(100);
    const thread = store.threadOpened(5);
    store.upsertMessage(message(7, { channel_id: 100, thread_root_id: 5 }));
    store.upsertMessage(message(8, { channel_id: 100, thread_root_id: 6 }));
    expect([...thread.replies.keys()]).toEqual([7]);
    expect(history?.messages.size).toBe(0);
  });

  it('a slow load does not fill a panel the person has left', () => {
    const thread = store.threadOpened(5);
    store.closePanel();
    store.threadPageLoaded(thread, message(5), [message(7, { thread_root_id: 5 })]);
    expect(thread.replies.size).toBe(0);
    const pins = store.listPanelOpened('pins');
    store.closePanel(thread); // not the open panel any more: nothing happens
    expect(state.panel).toBe(pins);
  });
});

describe('channels', () => {
  it('a new channel list drops histories of channels no longer listed', () => {
    store.channelOpened(100);
    store.channelOpened(200);
    store.setChannels([channel(200)]);
    expect([...state.stores.keys()]).toEqual([200]);
  });

  it('mergeChannel answers false for a channel we do not list', () => {
    expect(store.mergeChannel(channel(300))).toBe(false);
    expect(state.channels.has(300)).toBe(false);
  });
});

describe('text helpers', () => {
  it('formatSize: bytes, one decimal under ten, whole numbers above', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(20 * 1024 * 1024)).toBe('20 MB');
    expect(formatSize(3 * 1024 ** 4)).toBe('3072 GB');
    expect(formatSize(null)).toBe('');
  });

  it('displayName: a channel by name, a conversation by the other people in it', () => {
    expect(displayName(channel(1, { name: 'general' }))).toBe('general');
    const group = channel(2, { kind: 'group', name: null, members: [user(ME, 'Ada'), user(2, 'Grace'), user(3, 'Alan')] });
    expect(displayName(group)).toBe('Grace, Alan');
    expect(displayName(channel(3, { kind: 'dm', name: null, members: [user(ME, 'Ada')] }))).toBe('Ada (you)');
    expect(displayName(null)).toBe('');
  });

  it('mentionsMe: my name, the whole channel, or a direct message; never my own message', () => {
    const open = channel(1);
    expect(mentionsMe(message(1, { html: `<span data-user-id="${ME}">@Ada</span>` }), open)).toBe(true);
    expect(mentionsMe(message(2, { html: '<span data-user-id="12">@Al</span>' }), open)).toBe(false);
    expect(mentionsMe(message(3, { mentions_channel: true }), open)).toBe(true);
    expect(mentionsMe(message(4), channel(2, { kind: 'dm' }))).toBe(true);
    expect(mentionsMe(message(5, { author: user(ME), mentions_channel: true }), open)).toBe(false);
  });
});

describe('the REST helper', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends JSON with the CSRF token on writes and answers the parsed body', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: 3, name: 'x' }), { status: 201 }));
    vi.stubGlobal('fetch', fetch);
    const created = await api.post('/workspaces', { name: 'x' });
    expect(created.id).toBe(3);
    expect(fetch).toHaveBeenCalledWith('/api/v1/workspaces', expect.objectContaining({ method: 'POST', body: '{"name":"x"}' }));
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.headers).toMatchObject({ 'X-CSRFToken': 'test-csrf', 'Content-Type': 'application/json' });
  });

  it('turns an error body into an ApiError with its code, and a network failure into "network"', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'channel not found' } }), { status: 404 }));
    const refused = api.get('/channels/5/pins');
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'channel not found' });
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.get('/workspaces')).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});
