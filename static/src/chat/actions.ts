// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// What the person can do, and the data loading behind it. Each action changes `state`
// and invalidates the views that show what changed.

import { api } from './api';
import { queueMessage } from './outbox';
import { emit, emitAck, holdEvents, isConnected } from './realtime';
import { invalidate } from './render';
import { newStore, state } from './state';
import { reportError, toast } from './toast';

const HISTORY_PAGE = 50;
const ALL_VIEWS = ['workspaces', 'sidebar', 'header', 'messages', 'composer', 'typing', 'panel'];

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const storageKey = (what) => `chat:${state.me.id}:${what}`;

function remember(what, value) {
  try { localStorage.setItem(storageKey(what), String(value)); } catch { /* private mode */ }
}

function recall(what) {
  try { return Number(localStorage.getItem(storageKey(what))) || null; } catch { return null; }
}

// --- workspaces -------------------------------------------------------------------------------

export async function refreshWorkspaces() {
  const { workspaces } = await api.get('/workspaces');
  state.workspaces = new Map(workspaces.map((w) => [w.id, w]));
  invalidate('workspaces', 'sidebar', 'header');
  if (state.workspaceId && !state.workspaces.has(state.workspaceId)) {
    // Removed or deactivated from the workspace we were looking at.
    toast('You no longer have access to that workspace.', 'info');
    for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
    const next = workspaces[0];
    if (next) await switchWorkspace(next.id);
    else clearWorkspace();
  }
}

/** Other workspaces' badges come from the server: cheap, and always right. */
export const refreshWorkspacesSoon = debounce(() => refreshWorkspaces().catch(console.warn), 300);

export function initialWorkspaceId(requested) {
  for (const id of [requested, recall('workspace')]) {
    if (id && state.workspaces.has(id)) return id;
  }
  return state.workspaces.keys().next().value ?? null;
}

function clearWorkspace() {
  state.workspaceId = null;
  state.channels = new Map();
  state.stores = new Map();
  state.members = new Map();
  state.presence = new Map();
  state.presenceLive = true;
  state.panel = null;
  state.channelId = null;
  state.editing = null;
  state.typing.clear();
  invalidate(...ALL_VIEWS);
}

let loadSeq = 0;

export async function switchWorkspace(workspaceId, channelId = null) {
  const seq = ++loadSeq;
  clearWorkspace();
  state.workspaceId = workspaceId;
  remember('workspace', workspaceId);
  try {
    await holdEvents(async () => {
      const [channels, members, presence] = await Promise.all([
        api.get(`/workspaces/${workspaceId}/channels`),
        api.get(`/workspaces/${workspaceId}/members`),
        api.get(`/workspaces/${workspaceId}/presence`),
      ]);
      if (seq !== loadSeq) return;
      state.channels = new Map(channels.channels.map((c) => [c.id, c]));
      state.members = new Map(members.members.map((m) => [m.id, m]));
      state.presence = new Map(Object.entries(presence.presence).map(([id, s]) => [Number(id), s]));
      state.presenceLive = presence.live !== false;
    });
  } catch (err) {
    reportError(err);
    return;
  }
  if (seq !== loadSeq) return;
  invalidate(...ALL_VIEWS);
  const target = [channelId, recall(`channel:${workspaceId}`)].find((id) => id && state.channels.has(id))
    ?? defaultChannelId();
  if (target) await openChannel(target);
}

function defaultChannelId() {
  const channels = [...state.channels.values()];
  return (channels.find((c) => c.is_default) ?? channels.find((c) => !c.archived) ?? channels[0])?.id ?? null;
}

export async function createWorkspace(name) {
  const workspace = await api.post('/workspaces', { name });
  await refreshWorkspaces();
  await switchWorkspace(workspace.id);
}

export const refreshMembersSoon = debounce(async () => {
  const workspaceId = state.workspaceId;
  if (!workspaceId) return;
  const { members } = await api.get(`/workspaces/${workspaceId}/members`).catch(() => ({ members: null }));
  if (members && workspaceId === state.workspaceId) {
    state.members = new Map(members.map((m) => [m.id, m]));
    invalidate('panel', 'sidebar');
  }
}, 300);

// --- workspace members (admins) ------------------------------------------------------------------

/** Change a member's role or active flag; answers the updated member. The server decides who may. */
export async function updateMember(userId, changes) {
  const workspaceId = state.workspaceId;
  const member = await api.patch(`/workspaces/${workspaceId}/members/${userId}`, changes);
  if (workspaceId === state.workspaceId) applyMember(member);
  return member;
}

/** Keep the member cache in step with one member's payload (deactivated people leave it). */
export function applyMember(member) {
  if (member.active === false) state.members.delete(member.id);
  else state.members.set(member.id, { ...(state.members.get(member.id) ?? {}), ...member });
  invalidate('panel', 'sidebar', 'messages');
}

/** workspace.member_updated names no workspace, so the lists that show members are reloaded
 *  (debounced) rather than patched: a person may be a member of several of ours. */
export function memberUpdated(member) {
  refreshMembersSoon();
  if (member.id === state.me.id) refreshWorkspacesSoon();
  document.dispatchEvent(new CustomEvent('chat:workspace-members-changed'));
  if (state.panel?.kind === 'members') refreshMembersPanelSoon();
}

/** Reload presence. Where the server pushes it (small workspaces), everyone's; elsewhere only
 *  that of the people on screen (those with a presence dot), so a crowd reconnecting at once
 *  does not each download the whole workspace's. */
export async function refreshPresence() {
  const workspaceId = state.workspaceId;
  if (!workspaceId) return;
  const shown = state.presenceLive ? null : shownPresenceIds();
  if (shown && !shown.length) return;
  const query = shown ? `?user_ids=${shown.join(',')}` : '';
  const { presence, live } = await api.get(`/workspaces/${workspaceId}/presence${query}`);
  if (workspaceId !== state.workspaceId) return;
  const fresh = Object.entries(presence).map(([id, s]) => [Number(id), s]);
  if (shown) {
    for (const id of shown) state.presence.delete(id);
    for (const [id, s] of fresh) state.presence.set(id, s);
  } else {
    state.presence = new Map(fresh);
  }
  state.presenceLive = live !== false;
  invalidate('panel', 'sidebar', 'header');
}

const MAX_PRESENCE_ASKED = 1000;  // the server's limit on user_ids

function shownPresenceIds() {
  const ids = new Set([...document.querySelectorAll('[data-presence-user]')].map((el) => Number(el.dataset.presenceUser)));
  return [...ids].slice(0, MAX_PRESENCE_ASKED);
}

// --- channels ---------------------------------------------------------------------------------

/** Reload the channel list (counts included) from the server. Events are held meanwhile and
 *  applied afterwards; the per-channel last_message_id watermark keeps them from counting twice. */
export async function refreshChannels() {
  const workspaceId = state.workspaceId;
  if (!workspaceId) return;
  await holdEvents(async () => {
    const { channels } = await api.get(`/workspaces/${workspaceId}/channels`);
    if (workspaceId !== state.workspaceId) return;
    state.channels = new Map(channels.map((c) => [c.id, c]));
    for (const id of state.stores.keys()) if (!state.channels.has(id)) state.stores.delete(id);
  });
  if (state.channelId && !state.channels.has(state.channelId)) {
    const fallback = defaultChannelId();
    if (fallback) openChannel(fallback);
  }
  maybeMarkRead();
  invalidate('sidebar', 'header', 'composer', 'workspaces');
}

export const refreshChannelsSoon = debounce(() => refreshChannels().catch(console.warn), 250);

export async function openChannel(channelId) {
  const channel = state.channels.get(channelId);
  if (!channel) return;
  if (state.channelId !== channelId) {
    state.channelId = channelId;
    state.editing = null;
    if (state.panel?.kind === 'thread') state.panel = null;
    remember(`channel:${state.workspaceId}`, channelId);
    history.replaceState(null, '', `#w=${state.workspaceId}&c=${channelId}`);
  }
  state.sidebarOpen = false;
  let store = state.stores.get(channelId);
  if (!store) {
    store = newStore();
    state.stores.set(channelId, store);
  }
  // Where the "New" divider goes: the read position when the channel was opened.
  store.readMarker = channel.unread_count > 0 ? channel.last_read_id : null;
  invalidate(...ALL_VIEWS);
  if (state.panel?.kind === 'members') openMembers();
  if (state.panel?.kind === 'pins') state.panel = null;
  if (state.panel?.kind === 'files' && state.panel.scope === 'channel' && state.panel.channelId !== channelId) {
    openFiles('channel');
  }
  if (!store.loaded) await loadOlder(channelId);
  maybeMarkRead();
}

/** Load the next page of older history (or the newest page on first open). */
export function loadOlder(channelId) {
  const store = state.stores.get(channelId);
  if (!store) return Promise.resolve();
  if (store.loading) return store.loading;
  if (store.loaded && !store.hasMore) return Promise.resolve();
  const ids = [...store.messages.keys()];
  const params = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  if (store.loaded && ids.length) params.set('before', String(Math.min(...ids)));
  store.loading = holdEvents(async () => {
    const page = await api.get(`/channels/${channelId}/messages?${params}`);
    for (const message of page.messages) store.messages.set(message.id, message);
    store.hasMore = page.has_more;
    store.loaded = true;
  }).catch(reportError).finally(() => {
    store.loading = null;
    invalidate('messages');
  });
  invalidate('messages');
  return store.loading;
}

const readsToSend = new Map(); // channel id -> message id, when marking read while offline

/** Mark the visible channel read when the person can actually see it. */
export function maybeMarkRead() {
  const channel = state.channels.get(state.channelId);
  if (!channel || document.visibilityState !== 'visible') return;
  const newest = channel.last_message_id ?? 0;
  if (newest <= (channel.last_read_id ?? 0) && !channel.unread_count && !channel.mention_count) return;
  channel.last_read_id = Math.max(channel.last_read_id ?? 0, newest);
  channel.unread_count = 0;
  channel.mention_count = 0;
  invalidate('sidebar', 'workspaces');
  if (newest > 0) sendRead(channel.id, newest);
}

function sendRead(channelId, messageId) {
  readsToSend.set(channelId, messageId);
  if (!isConnected()) return;
  emitAck('channel.read', { channel_id: channelId, message_id: messageId })
    .then(() => { if (readsToSend.get(channelId) === messageId) readsToSend.delete(channelId); })
    .catch((err) => console.warn('mark read failed', err));
}

export function flushReads() {
  for (const [channelId, messageId] of readsToSend) sendRead(channelId, messageId);
}

export async function joinChannel(channelId) {
  await api.post(`/channels/${channelId}/join`);
  await refreshChannels();
  await openChannel(channelId);
}

export async function createChannel(fields) {
  const channel = await api.post(`/workspaces/${state.workspaceId}/channels`, fields);
  await refreshChannels();
  await openChannel(channel.id);
}

export async function openDirect(userIds) {
  const channel = await api.post(`/workspaces/${state.workspaceId}/direct`, { user_ids: userIds });
  if (!state.channels.has(channel.id)) await refreshChannels();
  await openChannel(channel.id);
}

export async function updateChannel(channelId, changes) {
  const channel = await api.patch(`/channels/${channelId}`, changes);
  mergeChannel(channel);
}

export async function leaveChannel(channelId) {
  await api.post(`/channels/${channelId}/leave`);
  await refreshChannels();
}

export async function createInvite(role) {
  const invite = await api.post(`/workspaces/${state.workspaceId}/invites`, { role });
  return `${location.origin}/invite/${invite.code}`;
}

/** Apply a channel payload (from an event or a response) without losing local counters. */
export function mergeChannel(payload) {
  const existing = state.channels.get(payload.id);
  if (!existing) return false;
  const { unread_count, mention_count, last_read_id, members, can_post } = existing;
  state.channels.set(payload.id, {
    ...existing, ...payload, unread_count, mention_count, members, can_post,
    last_read_id, last_message_id: Math.max(existing.last_message_id ?? 0, payload.last_message_id ?? 0),
  });
  invalidate('sidebar', 'header', 'composer');
  return true;
}

// --- messages ---------------------------------------------------------------------------------

/** Put a message where it is shown: its channel's history or the open thread.
 *  onlyIfMissing: an ack may be older than an event already applied, so never let it win. */
export function upsertMessage(message, { onlyIfMissing = false, onlyIfPresent = false } = {}) {
  const panel = state.panel;
  if (message.thread_root_id) {
    if (panel?.kind === 'thread' && panel.rootId === message.thread_root_id) {
      const has = panel.replies.has(message.id);
      if (!(onlyIfMissing && has) && !(onlyIfPresent && !has)) panel.replies.set(message.id, message);
    }
  } else {
    const store = state.stores.get(message.channel_id);
    const has = store?.messages.has(message.id);
    if (store && !(onlyIfMissing && has) && !(onlyIfPresent && !has)) store.messages.set(message.id, message);
    if (panel?.kind === 'thread' && panel.rootId === message.id && !onlyIfMissing) panel.root = message;
  }
  invalidate('messages', 'panel');
}

/** files: uploaded File payloads to send with it; the text may then be empty. */
export function sendMessage(channelId, body, threadRootId = null, files = []) {
  const text = body.trim();
  if (!text && !files.length) return false;
  queueMessage(channelId, text, threadRootId, files);
  return true;
}

export async function saveEdit(messageId, body) {
  const text = body.trim();
  if (!text) {
    toast('A message cannot be empty; delete it instead');
    return false;
  }
  try {
    // The message.updated event (sent to this tab too) updates the view.
    await emitAck('message.edit', { message_id: messageId, body: text });
    if (state.editing?.id === messageId) state.editing = null;
    invalidate('messages', 'panel');
    return true;
  } catch (err) {
    reportError(err);
    return false;
  }
}

export function startEditing(message) {
  state.editing = { id: message.id, draft: message.body };
  invalidate('messages', 'panel');
}

export function cancelEditing() {
  state.editing = null;
  invalidate('messages', 'panel');
}

export async function deleteMessage(messageId) {
  try {
    await emitAck('message.delete', { message_id: messageId });
  } catch (err) {
    reportError(err);
  }
}

export async function toggleReaction(message, emoji) {
  const mine = message.reactions.some((r) => r.emoji === emoji && r.user_ids.includes(state.me.id));
  try {
    await emitAck(mine ? 'reaction.remove' : 'reaction.add', { message_id: message.id, emoji });
  } catch (err) {
    reportError(err);
  }
}

export async function setPinned(message, pinned) {
  try {
    const payload = pinned ? await api.put(`/messages/${message.id}/pin`) : await api.del(`/messages/${message.id}/pin`);
    upsertMessage(payload, { onlyIfPresent: true });
  } catch (err) {
    reportError(err);
  }
}

// --- side panels ------------------------------------------------------------------------------

export async function openThread(rootId) {
  const panel = { kind: 'thread', rootId, channelId: state.channelId, root: null, replies: new Map(), loaded: false };
  state.panel = panel;
  state.sidebarOpen = false;
  invalidate('panel', 'messages');
  try {
    await holdEvents(async () => {
      let after = null;
      for (;;) {
        const params = new URLSearchParams({ limit: '200' });
        if (after) params.set('after', String(after));
        const page = await api.get(`/messages/${rootId}/thread?${params}`);
        if (state.panel !== panel) return;
        panel.root = page.root;
        for (const reply of page.messages) panel.replies.set(reply.id, reply);
        if (!page.has_more || !page.messages.length) break;
        after = page.messages[page.messages.length - 1].id;
      }
      panel.loaded = true;
    });
  } catch (err) {
    reportError(err);
    if (state.panel === panel) state.panel = null;
  }
  invalidate('panel', 'messages');
}

/** Reload the open members panel in place (no "Loading…" flash). */
export async function refreshMembersPanel() {
  const panel = state.panel;
  if (panel?.kind !== 'members') return;
  try {
    const { members } = await api.get(`/channels/${panel.channelId}/members`);
    if (state.panel === panel) panel.list = members;
  } catch (err) {
    if (state.panel === panel) console.warn('members panel refresh failed', err);
  }
  invalidate('panel');
}

export const refreshMembersPanelSoon = debounce(() => refreshMembersPanel(), 200);

export async function addChannelMember(channelId, userId) {
  await api.post(`/channels/${channelId}/members`, { user_id: userId });
}

export async function removeChannelMember(channelId, userId) {
  await api.del(`/channels/${channelId}/members/${userId}`);
  await refreshMembersPanel();
}

/** Broadcast channels: admins choose who else may post. */
export async function setCanPost(channelId, userId, canPost) {
  await api.post(`/channels/${channelId}/members`, { user_id: userId, can_post: canPost });
  await refreshMembersPanel();
}

/** Open a side panel listing `key` from GET /channels/{current}/{key} (members, pins). */
async function openChannelListPanel(kind, key) {
  const channelId = state.channelId;
  const panel = { kind, channelId, list: null };
  state.panel = panel;
  invalidate('panel');
  try {
    const data = await api.get(`/channels/${channelId}/${key}`);
    if (state.panel === panel) panel.list = data[key === 'pins' ? 'messages' : key];
  } catch (err) {
    reportError(err);
  }
  invalidate('panel');
}

export const openMembers = () => openChannelListPanel('members', 'members');
export const openPins = () => openChannelListPanel('pins', 'pins');

// --- files ------------------------------------------------------------------------------------

const FILES_PAGE = 30;

/** The files panel: this conversation's files ('channel') or the whole workspace's. */
export function openFiles(scope = 'channel', keep = null) {
  const panel = {
    kind: 'files', scope, channelId: state.channelId, fileKind: keep?.fileKind ?? '', userId: keep?.userId ?? '',
    list: null, hasMore: false, loading: null, query: keep?.query ?? '', results: null, searching: false,
  };
  state.panel = panel;
  state.sidebarOpen = false;
  invalidate('panel', 'header');
  if (panel.query) searchFiles(panel.query);
  else loadFiles();
}

/** Load the first page of the panel's list, or the next one (more). */
export async function loadFiles({ more = false } = {}) {
  const panel = state.panel;
  if (panel?.kind !== 'files' || panel.loading) return;
  const params = new URLSearchParams({ limit: String(FILES_PAGE) });
  if (panel.fileKind) params.set('kind', panel.fileKind);
  if (panel.userId) params.set('user_id', String(panel.userId));
  if (more && panel.list?.length) params.set('before', String(panel.list[panel.list.length - 1].position));
  const path = panel.scope === 'workspace' ? `/workspaces/${state.workspaceId}/files` : `/channels/${panel.channelId}/files`;
  panel.loading = api.get(`${path}?${params}`);
  invalidate('panel');
  try {
    const page = await panel.loading;
    if (state.panel !== panel) return;
    panel.list = more ? [...(panel.list ?? []), ...page.files] : page.files;
    panel.hasMore = page.has_more;
  } catch (err) {
    reportError(err);
  } finally {
    panel.loading = null;
    invalidate('panel');
  }
}

export function setFilesFilter(changes) {
  const panel = state.panel;
  if (panel?.kind !== 'files') return;
  if (changes.scope && changes.scope !== panel.scope) {
    openFiles(changes.scope, { ...panel, ...changes });
    return;
  }
  Object.assign(panel, changes);
  loadFiles();
}

/** Search the workspace's files by name and by the words inside PDFs; '' goes back to the list. */
export async function searchFiles(q) {
  const panel = state.panel;
  if (panel?.kind !== 'files') return;
  panel.query = q.trim();
  if (!panel.query) {
    panel.results = null;
    invalidate('panel');
    if (!panel.list) loadFiles();
    return;
  }
  panel.searching = true;
  invalidate('panel');
  try {
    const { results } = await api.get(`/workspaces/${state.workspaceId}/files/search?${new URLSearchParams({ q: panel.query })}`);
    if (state.panel === panel) panel.results = results;
  } catch (err) {
    reportError(err);
  } finally {
    panel.searching = false;
    invalidate('panel');
  }
}

/** A message with files came, changed or went: the open files panel shows the news. */
export const refreshFilesSoon = debounce(() => {
  const panel = state.panel;
  if (panel?.kind !== 'files') return;
  if (panel.query) searchFiles(panel.query);
  else loadFiles();
}, 400);

export async function deleteFile(file) {
  try {
    await api.del(`/files/${file.id}`);
    toast(`${file.name} deleted`, 'info');
    // message.updated or message.deleted (to this tab too) updates the conversation.
    refreshFilesSoon();
  } catch (err) {
    reportError(err);
  }
}

export async function showMessageById(messageId) {
  try {
    await showMessage(await api.get(`/messages/${messageId}`));
  } catch (err) {
    reportError(err);
  }
}

/** Bring a message into view in its conversation (or its thread) and mark it for the eye. */
export async function showMessage(message) {
  if (!state.channels.has(message.channel_id)) {
    toast('That conversation is not in your list; join it to see the message.');
    return;
  }
  const narrow = window.matchMedia('(max-width: 760px)').matches;
  if (state.channelId !== message.channel_id) await openChannel(message.channel_id);
  if (message.thread_root_id) {
    state.highlightId = message.id;
    await openThread(message.thread_root_id);
    return;
  }
  const store = state.stores.get(message.channel_id);
  for (let pages = 0; store && !store.messages.has(message.id) && store.hasMore && pages < 40; pages += 1) {
    await loadOlder(message.channel_id);
  }
  if (narrow && state.panel?.kind === 'files') state.panel = null;
  state.highlightId = message.id;
  invalidate('messages', 'panel');
  queueMicrotask(() => {
    const node = document.getElementById(`msg-${message.id}`);
    if (!node) {
      toast('That message is no longer there.');
      return;
    }
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
  });
}

export function closePanel() {
  state.panel = null;
  invalidate('panel', 'messages');
}

// --- typing and presence ----------------------------------------------------------------------

const lastTypingSent = new Map();

/** Tell others we are typing, at most once every 3 s per conversation. */
export function typingStarted(channelId, threadRootId = null) {
  const key = `${channelId}:${threadRootId ?? ''}`;
  const now = Date.now();
  if (now - (lastTypingSent.get(key) ?? 0) < 3000) return;
  lastTypingSent.set(key, now);
  emit('typing.start', { channel_id: channelId, ...(threadRootId ? { thread_root_id: threadRootId } : {}) });
}

export function typingStopped(channelId, threadRootId = null) {
  // Sending a message ends typing on the other side (the message arrives); allow a fresh
  // typing.start right away for the next message.
  lastTypingSent.delete(`${channelId}:${threadRootId ?? ''}`);
}

export function announcePresence() {
  emit('presence.set', { away: document.hidden });
}

// --- what views used to change themselves -------------------------------------------------------

/** Phone-sized screens: show or hide the conversation list. */
export function setSidebar(open) {
  state.sidebarOpen = open;
  invalidate('header', 'sidebar');
}

/** The unsent text of a composer (`${channelId}:${rootId || ''}`); '' forgets it. */
export function setDraft(key, text) {
  if (text) state.drafts.set(key, text);
  else state.drafts.delete(key);
}

/** The text of the message being edited, kept across re-renders. */
export function setEditDraft(text) {
  if (state.editing) state.editing.draft = text;
}

/** Change the name people see; members lists show it at once. */
export async function renameMe(name) {
  state.me = { ...state.me, ...(await api.patch('/me', { display_name: name })) };
  const mine = state.members.get(state.me.id);
  if (mine) state.members.set(mine.id, { ...mine, display_name: state.me.display_name });
  invalidate('sidebar', 'panel');
}
