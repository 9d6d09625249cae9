// What the person can do, and the data loading behind it: user intents -> server calls ->
// store mutations (store.ts changes `state` and invalidates the views that show it).

import type { Channel, FileInfo, Member, Message, SocketEvents } from '../api/types';
import { api, type Body } from '../shared/api';
import { reportError, toast } from '../shared/toast';
import { queueMessage } from './outbox';
import { emit, emitAck, holdEvents, isConnected } from './realtime';
import type { FilesScope, ThreadPanel } from './state';
import { state } from './state';
import * as store from './store';

const HISTORY_PAGE = 50;

function debounce<A extends unknown[]>(fn: (...args: A) => unknown, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const storageKey = (what: string): string => `chat:${state.me.id}:${what}`;

function remember(what: string, value: number): void {
  try {
    localStorage.setItem(storageKey(what), String(value));
  } catch {
    /* private mode */
  }
}

function recall(what: string): number | null {
  try {
    return Number(localStorage.getItem(storageKey(what))) || null;
  } catch {
    return null;
  }
}

// --- workspaces -------------------------------------------------------------------------------

export async function refreshWorkspaces(): Promise<void> {
  const { workspaces } = await api.get('/workspaces');
  store.setWorkspaces(workspaces);
  if (state.workspaceId && !state.workspaces.has(state.workspaceId)) {
    // Removed or deactivated from the workspace we were looking at.
    toast('You no longer have access to that workspace.', 'info');
    for (const dialog of document.querySelectorAll<HTMLDialogElement>('dialog[open]')) dialog.close();
    const next = workspaces[0];
    if (next) await switchWorkspace(next.id);
    else store.clearWorkspace();
  }
}

/** Other workspaces' badges come from the server: cheap, and always right. */
export const refreshWorkspacesSoon = debounce(() => refreshWorkspaces().catch(console.warn), 300);

export function initialWorkspaceId(requested: number | null): number | null {
  for (const id of [requested, recall('workspace')]) {
    if (id && state.workspaces.has(id)) return id;
  }
  return state.workspaces.keys().next().value ?? null;
}

let loadSeq = 0;

export async function switchWorkspace(workspaceId: number, channelId: number | null = null): Promise<void> {
  const seq = ++loadSeq;
  store.enterWorkspace(workspaceId);
  remember('workspace', workspaceId);
  try {
    await holdEvents(async () => {
      const [channels, members, presence] = await Promise.all([
        api.get(`/workspaces/${workspaceId}/channels`),
        api.get(`/workspaces/${workspaceId}/members`),
        api.get(`/workspaces/${workspaceId}/presence`),
      ]);
      if (seq !== loadSeq) return;
      store.workspaceLoaded(channels.channels, members.members, presence.presence, presence.live !== false);
    });
  } catch (err) {
    reportError(err);
    return;
  }
  if (seq !== loadSeq) return;
  const target = [channelId, recall(`channel:${workspaceId}`)].find((id) => id && state.channels.has(id))
    ?? defaultChannelId();
  if (target) await openChannel(target);
}

function defaultChannelId(): number | null {
  const channels = [...state.channels.values()];
  return (channels.find((c) => c.is_default) ?? channels.find((c) => !c.archived) ?? channels[0])?.id ?? null;
}

export async function createWorkspace(name: string): Promise<void> {
  const workspace = await api.post('/workspaces', { name });
  await refreshWorkspaces();
  await switchWorkspace(workspace.id);
}

export const refreshMembersSoon = debounce(async () => {
  const workspaceId = state.workspaceId;
  if (!workspaceId) return;
  const { members } = await api.get(`/workspaces/${workspaceId}/members`).catch(() => ({ members: null }));
  if (members && workspaceId === state.workspaceId) store.setMembers(members);
}, 300);

// --- workspace members (admins) ------------------------------------------------------------------

/** Change a member's role or active flag; answers the updated member. The server decides who may. */
export async function updateMember(userId: number, changes: Body<'patch', `/workspaces/${number}/members/${number}`>): Promise<Member> {
  const workspaceId = state.workspaceId ?? 0;
  const member = await api.patch(`/workspaces/${workspaceId}/members/${userId}`, changes);
  if (workspaceId === state.workspaceId) applyMember(member);
  return member;
}

/** Keep the member cache in step with one member's payload (deactivated people leave it). */
export function applyMember(member: Member): void {
  store.memberChanged(member);
}

/** workspace.member_updated names no workspace, so the lists that show members are reloaded
 *  (debounced) rather than patched: a person may be a member of several of ours. */
export function memberUpdated(member: SocketEvents['workspace.member_updated']): void {
  refreshMembersSoon();
  if (member.id === state.me.id) refreshWorkspacesSoon();
  document.dispatchEvent(new CustomEvent('chat:workspace-members-changed'));
  if (state.panel?.kind === 'members') refreshMembersPanelSoon();
}

/** Reload presence. Where the server pushes it (small workspaces), everyone's; elsewhere only
 *  that of the people on screen (those with a presence dot), so a crowd reconnecting at once
 *  does not each download the whole workspace's. */
export async function refreshPresence(): Promise<void> {
  const workspaceId = state.workspaceId;
  if (!workspaceId) return;
  const shown = state.presenceLive ? null : shownPresenceIds();
  if (shown && !shown.length) return;
  const { presence, live } = shown
    ? await api.get(`/workspaces/${workspaceId}/presence?user_ids=${shown.join(',')}`)
    : await api.get(`/workspaces/${workspaceId}/presence`);
  if (workspaceId !== state.workspaceId) return;
  store.presenceLoaded(presence, live !== false, shown);
}

const MAX_PRESENCE_ASKED = 1000;  // the server's limit on user_ids

function shownPresenceIds(): number[] {
  const dots = document.querySelectorAll<HTMLElement>('[data-presence-user]');
  const ids = new Set([...dots].map((el) => Number(el.dataset.presenceUser)));
  return [...ids].slice(0, MAX_PRESENCE_ASKED);
}

// --- channels ---------------------------------------------------------------------------------

/** Reload the channel list (counts included) from the server. Events are held meanwhile and
 *  applied afterwards; the per-channel last_message_id watermark keeps them from counting twice. */
export async function refreshChannels(): Promise<void> {
  const workspaceId = state.workspaceId;
  if (!workspaceId) return;
  await holdEvents(async () => {
    const { channels } = await api.get(`/workspaces/${workspaceId}/channels`);
    if (workspaceId !== state.workspaceId) return;
    store.setChannels(channels);
  });
  if (state.channelId && !state.channels.has(state.channelId)) {
    const fallback = defaultChannelId();
    if (fallback) openChannel(fallback);
  }
  maybeMarkRead();
}

export const refreshChannelsSoon = debounce(() => refreshChannels().catch(console.warn), 250);

export async function openChannel(channelId: number): Promise<void> {
  if (!state.channels.has(channelId)) return;
  if (state.channelId !== channelId) {
    remember(`channel:${state.workspaceId}`, channelId);
    history.replaceState(null, '', `#w=${state.workspaceId}&c=${channelId}`);
  }
  const history_ = store.channelOpened(channelId);
  if (!history_) return;
  if (state.panel?.kind === 'members') openMembers();
  if (state.panel?.kind === 'files' && state.panel.scope === 'channel' && state.panel.channelId !== channelId) {
    openFiles('channel');
  }
  if (!history_.loaded) await loadOlder(channelId);
  maybeMarkRead();
}

/** Load the next page of older history (or the newest page on first open). */
export function loadOlder(channelId: number): Promise<void> {
  const history_ = state.stores.get(channelId);
  if (!history_) return Promise.resolve();
  if (history_.loading) return history_.loading;
  if (history_.loaded && !history_.hasMore) return Promise.resolve();
  const ids = [...history_.messages.keys()];
  const params = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  if (history_.loaded && ids.length) params.set('before', String(Math.min(...ids)));
  const loading = holdEvents(async () => {
    const page = await api.get(`/channels/${channelId}/messages?${params}`);
    store.historyPageLoaded(history_, page.messages, page.has_more);
  })
    .catch(reportError)
    .finally(() => store.historyLoadingDone(history_));
  store.historyLoading(history_, loading);
  return loading;
}

const readsToSend = new Map<number, number>(); // channel id -> message id, when marking read while offline

/** Mark the visible channel read when the person can actually see it. */
export function maybeMarkRead(): void {
  const channel = state.channelId === null ? undefined : state.channels.get(state.channelId);
  if (!channel || document.visibilityState !== 'visible') return;
  const newest = channel.last_message_id ?? 0;
  if (newest <= (channel.last_read_id ?? 0) && !channel.unread_count && !channel.mention_count) return;
  store.readUpTo(channel.id, newest);
  if (newest > 0) sendRead(channel.id, newest);
}

function sendRead(channelId: number, messageId: number): void {
  readsToSend.set(channelId, messageId);
  if (!isConnected()) return;
  emitAck('channel.read', { channel_id: channelId, message_id: messageId })
    .then(() => { if (readsToSend.get(channelId) === messageId) readsToSend.delete(channelId); })
    .catch((err) => console.warn('mark read failed', err));
}

export function flushReads(): void {
  for (const [channelId, messageId] of readsToSend) sendRead(channelId, messageId);
}

export async function joinChannel(channelId: number): Promise<void> {
  await api.post(`/channels/${channelId}/join`);
  await refreshChannels();
  await openChannel(channelId);
}

export async function createChannel(fields: Body<'post', `/workspaces/${number}/channels`>): Promise<void> {
  const channel = await api.post(`/workspaces/${state.workspaceId ?? 0}/channels`, fields);
  await refreshChannels();
  await openChannel(channel.id);
}

export async function openDirect(userIds: number[]): Promise<void> {
  const channel = await api.post(`/workspaces/${state.workspaceId ?? 0}/direct`, { user_ids: userIds });
  if (!state.channels.has(channel.id)) await refreshChannels();
  await openChannel(channel.id);
}

export async function updateChannel(channelId: number, changes: Body<'patch', `/channels/${number}`>): Promise<void> {
  const channel = await api.patch(`/channels/${channelId}`, changes);
  mergeChannel(channel);
}

export async function leaveChannel(channelId: number): Promise<void> {
  await api.post(`/channels/${channelId}/leave`);
  await refreshChannels();
}

export async function createInvite(role: Body<'post', `/workspaces/${number}/invites`>['role']): Promise<string> {
  const invite = await api.post(`/workspaces/${state.workspaceId ?? 0}/invites`, { role });
  return `${location.origin}/invite/${invite.code}`;
}

/** Apply a channel payload (from an event or a response) without losing local counters. */
export function mergeChannel(payload: Channel): boolean {
  return store.mergeChannel(payload);
}

// --- messages ---------------------------------------------------------------------------------

/** Put a message where it is shown: its channel's history or the open thread.
 *  onlyIfMissing: an ack may be older than an event already applied, so never let it win. */
export function upsertMessage(message: Message, options: store.UpsertOptions = {}): void {
  store.upsertMessage(message, options);
}

/** files: uploaded File payloads to send with it; the text may then be empty. */
export function sendMessage(channelId: number, body: string, threadRootId: number | null = null, files: FileInfo[] = []): boolean {
  const text = body.trim();
  if (!text && !files.length) return false;
  queueMessage(channelId, text, threadRootId, files);
  return true;
}

export async function saveEdit(messageId: number, body: string): Promise<boolean> {
  const text = body.trim();
  if (!text) {
    toast('A message cannot be empty; delete it instead');
    return false;
  }
  try {
    // The message.updated event (sent to this tab too) updates the view.
    await emitAck('message.edit', { message_id: messageId, body: text });
    store.stopEditing(messageId);
    return true;
  } catch (err) {
    reportError(err);
    return false;
  }
}

export function startEditing(message: Pick<Message, 'id' | 'body'>): void {
  store.startEditing(message);
}

export function cancelEditing(): void {
  store.stopEditing();
}

export async function deleteMessage(messageId: number): Promise<void> {
  try {
    await emitAck('message.delete', { message_id: messageId });
  } catch (err) {
    reportError(err);
  }
}

export async function toggleReaction(message: Message, emoji: string): Promise<void> {
  const mine = message.reactions.some((r) => r.emoji === emoji && r.user_ids.includes(state.me.id));
  try {
    await emitAck(mine ? 'reaction.remove' : 'reaction.add', { message_id: message.id, emoji });
  } catch (err) {
    reportError(err);
  }
}

export async function setPinned(message: Message, pinned: boolean): Promise<void> {
  try {
    const payload = pinned ? await api.put(`/messages/${message.id}/pin`) : await api.del(`/messages/${message.id}/pin`);
    upsertMessage(payload, { onlyIfPresent: true });
  } catch (err) {
    reportError(err);
  }
}

// --- slash commands ---------------------------------------------------------------------------

let commandsLoading: Promise<void> | null = null;

/** The current workspace's commands, for the composer's suggestions (loaded once per workspace). */
export function loadCommands(): Promise<void> {
  const workspaceId = state.workspaceId;
  if (!workspaceId || state.commands) return Promise.resolve();
  if (!commandsLoading) {
    commandsLoading = api.get(`/workspaces/${workspaceId}/commands`)
      .then(({ commands }) => store.commandsLoaded(workspaceId, commands))
      .catch((err) => console.warn('commands not loaded', err))
      .finally(() => { commandsLoading = null; });
  }
  return commandsLoading;
}

/** Run `/command text` where the composer is (a built-in, or a custom command whose answer
 *  comes later as an ephemeral message or a message). A refusal shows as a note in the
 *  conversation, seen by me alone, as the server's own notes are. */
export async function runCommand(channelId: number, rootId: number | null, command: string, text: string): Promise<boolean> {
  const workspaceId = state.workspaceId;
  try {
    const result = await api.post(`/channels/${channelId}/commands`, {
      command, text, ...(rootId ? { thread_root_id: rootId } : {}),
    });
    if (result.ephemeral) store.ephemeralShown(result.ephemeral);
    if (result.message) store.upsertMessage(result.message, { onlyIfMissing: true });
    return true;
  } catch (err) {
    if (workspaceId !== null) {
      const why = err instanceof Error && err.message ? err.message : 'something went wrong';
      store.ephemeralShown(localNote(workspaceId, channelId, rootId, `${command} failed: ${why}`));
    }
    return false;
  }
}

function localNote(workspaceId: number, channelId: number, rootId: number | null, body: string) {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = `e${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return {
    id, ephemeral: true as const, local: true, workspace_id: workspaceId, channel_id: channelId,
    thread_root_id: rootId, author: null, body, html: '', props: null, created_at: new Date().toISOString(), ts: '',
  };
}

export function dismissEphemeral(channelId: number, id: string): void {
  store.ephemeralDismissed(channelId, id);
}

/** Mute or unmute a conversation (as /mute does): dimmed, no badge but for mentions. My other
 *  tabs hear of it from the server (`channel.muted`); this one applies the answer at once. */
export async function setMuted(channelId: number, muted: boolean): Promise<void> {
  try {
    const channel = muted ? await api.put(`/channels/${channelId}/mute`) : await api.del(`/channels/${channelId}/mute`);
    store.channelMuted(channel.id, channel.muted ?? muted);
    toast(muted ? 'Muted: only mentions of you make a badge here' : 'Unmuted', 'info');
  } catch (err) {
    reportError(err);
  }
}

// --- side panels ------------------------------------------------------------------------------

export async function openThread(rootId: number): Promise<void> {
  const panel: ThreadPanel = store.threadOpened(rootId);
  try {
    await holdEvents(async () => {
      let after: number | null = null;
      for (;;) {
        const params = new URLSearchParams({ limit: '200' });
        if (after) params.set('after', String(after));
        const page = await api.get(`/messages/${rootId}/thread?${params}`);
        if (state.panel !== panel) return;
        store.threadPageLoaded(panel, page.root, page.messages);
        const newest = page.messages.at(-1);
        if (!page.has_more || !newest) break;
        after = newest.id;
      }
      store.threadLoaded(panel);
    });
  } catch (err) {
    reportError(err);
    store.closePanel(panel);
  }
}

/** Reload the open members panel in place (no "Loading…" flash). */
export async function refreshMembersPanel(): Promise<void> {
  const panel = state.panel;
  if (panel?.kind !== 'members') return;
  try {
    const { members } = await api.get(`/channels/${panel.channelId ?? 0}/members`);
    store.membersListLoaded(panel, members);
  } catch (err) {
    if (state.panel === panel) console.warn('members panel refresh failed', err);
  }
}

export const refreshMembersPanelSoon = debounce(() => refreshMembersPanel(), 200);

export async function addChannelMember(channelId: number, userId: number): Promise<void> {
  await api.post(`/channels/${channelId}/members`, { user_id: userId });
}

export async function removeChannelMember(channelId: number, userId: number): Promise<void> {
  await api.del(`/channels/${channelId}/members/${userId}`);
  await refreshMembersPanel();
}

/** Broadcast channels: admins choose who else may post. */
export async function setCanPost(channelId: number, userId: number, canPost: boolean): Promise<void> {
  await api.post(`/channels/${channelId}/members`, { user_id: userId, can_post: canPost });
  await refreshMembersPanel();
}

/** Open a side panel listing `key` from GET /channels/{current}/{key} (members, pins). */
async function openChannelListPanel(kind: 'members' | 'pins'): Promise<void> {
  const channelId = state.channelId ?? 0;
  const panel = store.listPanelOpened(kind);
  try {
    if (panel.kind === 'members') {
      store.membersListLoaded(panel, (await api.get(`/channels/${channelId}/members`)).members);
    } else {
      store.pinsListLoaded(panel, (await api.get(`/channels/${channelId}/pins`)).messages);
    }
  } catch (err) {
    reportError(err);
  }
}

export const openMembers = (): Promise<void> => openChannelListPanel('members');
export const openPins = (): Promise<void> => openChannelListPanel('pins');

// --- files ------------------------------------------------------------------------------------

const FILES_PAGE = 30;

/** The files panel: this conversation's files ('channel') or the whole workspace's. */
export function openFiles(scope: FilesScope = 'channel', keep: store.FilesFilter | null = null): void {
  const panel = store.filesPanelOpened(scope, keep);
  if (panel.query) searchFiles(panel.query);
  else loadFiles();
}

/** Load the first page of the panel's list, or the next one (more). */
export async function loadFiles({ more = false }: { more?: boolean } = {}): Promise<void> {
  const panel = state.panel;
  if (panel?.kind !== 'files' || panel.loading) return;
  const params = new URLSearchParams({ limit: String(FILES_PAGE) });
  if (panel.fileKind) params.set('kind', panel.fileKind);
  if (panel.userId) params.set('user_id', String(panel.userId));
  const oldest = panel.list?.at(-1);
  if (more && oldest) params.set('before', String(oldest.position));
  const loading = panel.scope === 'workspace'
    ? api.get(`/workspaces/${state.workspaceId ?? 0}/files?${params}`)
    : api.get(`/channels/${panel.channelId ?? 0}/files?${params}`);
  store.filesLoading(panel, loading);
  try {
    const page = await loading;
    store.filesPageLoaded(panel, page.files, page.has_more, more);
  } catch (err) {
    reportError(err);
  } finally {
    store.filesLoading(panel, null);
  }
}

export function setFilesFilter(changes: store.FilesFilter): void {
  const panel = state.panel;
  if (panel?.kind !== 'files') return;
  if (changes.scope && changes.scope !== panel.scope) {
    openFiles(changes.scope, { ...panel, ...changes });
    return;
  }
  store.filesFilterChanged(panel, changes);
  loadFiles();
}

/** Search the workspace's files by name and by the words inside PDFs; '' goes back to the list. */
export async function searchFiles(q: string): Promise<void> {
  const panel = state.panel;
  if (panel?.kind !== 'files') return;
  store.filesQueryChanged(panel, q.trim());
  if (!panel.query) {
    if (!panel.list) loadFiles();
    return;
  }
  store.filesSearching(panel, true);
  try {
    const query = new URLSearchParams({ q: panel.query });
    const { results } = await api.get(`/workspaces/${state.workspaceId ?? 0}/files/search?${query}`);
    store.filesSearchResults(panel, results);
  } catch (err) {
    reportError(err);
  } finally {
    store.filesSearching(panel, false);
  }
}

/** A message with files came, changed or went: the open files panel shows the news. */
export const refreshFilesSoon = debounce(() => {
  const panel = state.panel;
  if (panel?.kind !== 'files') return;
  if (panel.query) searchFiles(panel.query);
  else loadFiles();
}, 400);

export async function deleteFile(file: FileInfo): Promise<void> {
  try {
    await api.del(`/files/${file.id}`);
    toast(`${file.name} deleted`, 'info');
    // message.updated or message.deleted (to this tab too) updates the conversation.
    refreshFilesSoon();
  } catch (err) {
    reportError(err);
  }
}

export async function showMessageById(messageId: number): Promise<void> {
  try {
    await showMessage(await api.get(`/messages/${messageId}`));
  } catch (err) {
    reportError(err);
  }
}

/** Bring a message into view in its conversation (or its thread) and mark it for the eye. */
export async function showMessage(message: Message): Promise<void> {
  if (!state.channels.has(message.channel_id)) {
    toast('That conversation is not in your list; join it to see the message.');
    return;
  }
  const narrow = window.matchMedia('(max-width: 760px)').matches;
  if (state.channelId !== message.channel_id) await openChannel(message.channel_id);
  if (message.thread_root_id) {
    store.setHighlight(message.id);
    await openThread(message.thread_root_id);
    return;
  }
  const history_ = state.stores.get(message.channel_id);
  for (let pages = 0; history_ && !history_.messages.has(message.id) && history_.hasMore && pages < 40; pages += 1) {
    await loadOlder(message.channel_id);
  }
  if (narrow && state.panel?.kind === 'files') store.closePanel();
  store.setHighlight(message.id);
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

export function closePanel(): void {
  store.closePanel();
}

// --- typing and presence ----------------------------------------------------------------------

const lastTypingSent = new Map<string, number>();

/** Tell others we are typing, at most once every 3 s per conversation. */
export function typingStarted(channelId: number, threadRootId: number | null = null): void {
  const key = `${channelId}:${threadRootId ?? ''}`;
  const now = Date.now();
  if (now - (lastTypingSent.get(key) ?? 0) < 3000) return;
  lastTypingSent.set(key, now);
  emit('typing.start', { channel_id: channelId, ...(threadRootId ? { thread_root_id: threadRootId } : {}) });
}

export function typingStopped(channelId: number, threadRootId: number | null = null): void {
  // Sending a message ends typing on the other side (the message arrives); allow a fresh
  // typing.start right away for the next message.
  lastTypingSent.delete(`${channelId}:${threadRootId ?? ''}`);
}

export function announcePresence(): void {
  emit('presence.set', { away: document.hidden });
}

// --- what views used to change themselves -------------------------------------------------------

/** Phone-sized screens: show or hide the conversation list. */
export function setSidebar(open: boolean): void {
  store.setSidebar(open);
}

/** The unsent text of a composer (`${channelId}:${rootId || ''}`); '' forgets it. */
export function setDraft(key: string, text: string): void {
  store.setDraft(key, text);
}

/** The text of the message being edited, kept across re-renders. */
export function setEditDraft(text: string): void {
  store.setEditDraft(text);
}

/** Change the name people see; members lists show it at once. */
export async function renameMe(name: string): Promise<void> {
  store.meChanged({ ...state.me, ...(await api.patch('/me', { display_name: name })) });
}
