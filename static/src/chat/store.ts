// The one place that changes `state` (state.ts).
//
// Everything else reads `state` and calls these named mutations: events.ts turns server events
// into them, actions.ts turns what the person does into server calls and then into them,
// realtime.ts reports the connection through them. Each mutation also invalidates the views
// that show what it changed, so no caller has to remember which ones.
//
// Enforced mechanically: `state` is exported read-only at the top level (`Readonly<State>`), and
// the writable handle `writableState` may only be imported here (biome.json,
// `noRestrictedImports`, lifted for this file by an override). Nested data (a channel's counters,
// a panel's list) is not frozen: it is written here too, by convention that review keeps.
//
// Mutations that finish an asynchronous load take the panel or history object the load started
// with and do nothing when it is no longer the current one, so a slow answer never overwrites
// what the person moved on to.

import type { Channel, CommandInfo, FileInfo, Me, Member, Message, Workspace } from '../api/types';
import { invalidate, type ViewName } from './render';
import {
  type ChannelMember,
  type FileSearchResult,
  type FilesPanel,
  type FilesScope,
  type MembersPanel,
  type MessageStore,
  newStore,
  type Panel,
  type PinsPanel,
  type Presence,
  type ShownEphemeral,
  writableState as s,
  type ThreadPanel,
  type TypingPerson,
} from './state';

const ALL_VIEWS: ViewName[] = ['workspaces', 'sidebar', 'header', 'messages', 'composer', 'typing', 'panel'];

// --- workspaces and people ----------------------------------------------------------------------

export function setWorkspaces(workspaces: Workspace[]): void {
  s.workspaces = new Map(workspaces.map((w) => [w.id, w]));
  invalidate('workspaces', 'sidebar', 'header');
}

/** Forget everything about the current workspace (switching away, or losing access). */
export function clearWorkspace(): void {
  s.workspaceId = null;
  s.channels = new Map();
  s.stores = new Map();
  s.members = new Map();
  s.presence = new Map();
  s.presenceLive = true;
  s.panel = null;
  s.channelId = null;
  s.editing = null;
  s.commands = null;
  s.ephemeral = new Map();
  clearAllTyping();
  invalidate(...ALL_VIEWS);
}

/** Start showing a workspace whose channels and people are still loading. */
export function enterWorkspace(workspaceId: number): void {
  clearWorkspace();
  s.workspaceId = workspaceId;
}

export function workspaceLoaded(
  channels: Channel[],
  members: Member[],
  presence: Record<string, Presence | 'offline'>,
  live: boolean,
): void {
  s.channels = new Map(channels.map((c) => [c.id, c]));
  s.members = new Map(members.map((m) => [m.id, m]));
  s.presence = presenceMap(presence);
  s.presenceLive = live;
  invalidate(...ALL_VIEWS);
}

function presenceMap(presence: Record<string, string>): Map<number, Presence> {
  const map = new Map<number, Presence>();
  for (const [id, status] of Object.entries(presence)) {
    if (status === 'online' || status === 'away') map.set(Number(id), status);
  }
  return map;
}

export function setMembers(members: Member[]): void {
  s.members = new Map(members.map((m) => [m.id, m]));
  invalidate('panel', 'sidebar');
}

/** One member's payload; deactivated people leave the cache. */
export function memberChanged(member: Member): void {
  if (member.active === false) s.members.delete(member.id);
  else {
    const known = s.members.get(member.id);
    s.members.set(member.id, known ? { ...known, ...member } : member);
  }
  invalidate('panel', 'sidebar', 'messages');
}

/** Presence read over REST: everyone's, or (`only`) just these people's. */
export function presenceLoaded(presence: Record<string, string>, live: boolean, only: number[] | null = null): void {
  const fresh = presenceMap(presence);
  if (only) {
    for (const id of only) s.presence.delete(id);
    for (const [id, status] of fresh) s.presence.set(id, status);
  } else {
    s.presence = fresh;
  }
  s.presenceLive = live;
  invalidate('panel', 'sidebar', 'header');
}

export function presenceChanged(userId: number, status: Presence | 'offline'): void {
  if (status === 'offline') s.presence.delete(userId);
  else s.presence.set(userId, status);
  invalidate('sidebar', 'panel', 'header');
}

/** Our own profile changed: the members lists show the new name at once. */
export function meChanged(me: Me): void {
  s.me = me;
  const mine = s.members.get(me.id);
  if (mine) s.members.set(mine.id, { ...mine, display_name: me.display_name });
  invalidate('sidebar', 'panel');
}

// --- channels -----------------------------------------------------------------------------------

/** The channel list as the server counts it; histories of channels no longer listed go. */
export function setChannels(channels: Channel[]): void {
  s.channels = new Map(channels.map((c) => [c.id, c]));
  for (const id of s.stores.keys()) if (!s.channels.has(id)) s.stores.delete(id);
  invalidate('sidebar', 'header', 'composer', 'workspaces');
}

/** Apply a channel payload (from an event or a response) without losing local counters.
 *  Answers false for a channel we do not list. */
export function mergeChannel(payload: Channel): boolean {
  const existing = s.channels.get(payload.id);
  if (!existing) return false;
  const { unread_count, mention_count, last_read_id, members, can_post, muted } = existing;
  s.channels.set(payload.id, {
    ...existing,
    ...payload,
    unread_count,
    mention_count,
    members,
    can_post,
    muted,
    last_read_id,
    last_message_id: Math.max(existing.last_message_id ?? 0, payload.last_message_id ?? 0),
  });
  invalidate('sidebar', 'header', 'composer');
  return true;
}

/**
 * A new message in a listed channel moved its watermark (`last_message_id`: what the counters
 * already include); `unread`/`mention` say which counters it adds to.
 */
export function messageCounted(channelId: number, messageId: number, counts: { unread: boolean; mention: boolean }): void {
  const channel = s.channels.get(channelId);
  if (!channel) return;
  channel.last_message_id = messageId;
  if (counts.unread) channel.unread_count = (channel.unread_count ?? 0) + 1;
  if (counts.mention) channel.mention_count = (channel.mention_count ?? 0) + 1;
  invalidate('sidebar', 'workspaces');
}

/** I muted or unmuted a channel (from any tab): it dims, and its unread messages stop counting. */
export function channelMuted(channelId: number, muted: boolean): void {
  const channel = s.channels.get(channelId);
  if (!channel || channel.muted === muted) return;
  s.channels.set(channelId, { ...channel, muted });
  invalidate('sidebar', 'workspaces', 'header');
}

/** The read position moved to `lastReadId`; when that is the newest message, nothing is unread. */
export function readUpTo(channelId: number, lastReadId: number): void {
  const channel = s.channels.get(channelId);
  if (!channel) return;
  channel.last_read_id = Math.max(channel.last_read_id ?? 0, lastReadId);
  if (lastReadId >= (channel.last_message_id ?? 0)) {
    channel.unread_count = 0;
    channel.mention_count = 0;
  }
  invalidate('sidebar', 'workspaces');
}

/** Show a channel: its history (created empty when new) and the "New" divider's place. */
export function channelOpened(channelId: number): MessageStore | null {
  const channel = s.channels.get(channelId);
  if (!channel) return null;
  if (s.channelId !== channelId) {
    s.channelId = channelId;
    s.editing = null;
    if (s.panel?.kind === 'thread') s.panel = null;
  }
  s.sidebarOpen = false;
  let store = s.stores.get(channelId);
  if (!store) {
    store = newStore();
    s.stores.set(channelId, store);
  }
  store.readMarker = (channel.unread_count ?? 0) > 0 ? (channel.last_read_id ?? null) : null;
  // Pins belong to the channel they were opened for.
  if (s.panel?.kind === 'pins') s.panel = null;
  invalidate(...ALL_VIEWS);
  return store;
}

// --- message history ----------------------------------------------------------------------------

export function historyLoading(store: MessageStore, loading: Promise<void>): void {
  store.loading = loading;
  invalidate('messages');
}

export function historyPageLoaded(store: MessageStore, messages: Message[], hasMore: boolean): void {
  for (const message of messages) store.messages.set(message.id, message);
  store.hasMore = hasMore;
  store.loaded = true;
  invalidate('messages');
}

export function historyLoadingDone(store: MessageStore): void {
  store.loading = null;
  invalidate('messages');
}

export interface UpsertOptions {
  /** An ack may be older than an event already applied: never let it win. */
  onlyIfMissing?: boolean;
  /** Update what is shown, add nothing. */
  onlyIfPresent?: boolean;
}

/** Put a message where it is shown: its channel's history or the open thread. */
export function upsertMessage(message: Message, { onlyIfMissing = false, onlyIfPresent = false }: UpsertOptions = {}): void {
  const panel = s.panel;
  if (message.thread_root_id) {
    if (panel?.kind === 'thread' && panel.rootId === message.thread_root_id) {
      const has = panel.replies.has(message.id);
      if (!(onlyIfMissing && has) && !(onlyIfPresent && !has)) panel.replies.set(message.id, message);
    }
  } else {
    const store = s.stores.get(message.channel_id);
    const has = store?.messages.has(message.id) ?? false;
    if (store && !(onlyIfMissing && has) && !(onlyIfPresent && !has)) store.messages.set(message.id, message);
    if (panel?.kind === 'thread' && panel.rootId === message.id && !onlyIfMissing) panel.root = message;
  }
  invalidate('messages', 'panel');
}

/** A message went away. One with replies stays as a placeholder so its thread remains reachable. */
export function messageDeleted(data: { id: number; channel_id: number }): void {
  const store = s.stores.get(data.channel_id);
  const shown = store?.messages.get(data.id);
  if (store && shown) {
    if (shown.reply_count > 0) {
      store.messages.set(data.id, { ...shown, deleted: true, body: '', html: '', reactions: [], pinned: false });
    } else {
      store.messages.delete(data.id);
    }
  }
  const panel = s.panel;
  if (panel?.kind === 'thread') {
    panel.replies.delete(data.id);
    if (panel.rootId === data.id && panel.root) panel.root = { ...panel.root, deleted: true, body: '', html: '', reactions: [] };
  }
  if (panel?.kind === 'pins') panel.list = panel.list?.filter((m) => m.id !== data.id) ?? null;
  if (s.editing?.id === data.id) s.editing = null;
  invalidate('messages', 'panel');
}

/** A message was pinned, unpinned or changed: the open pins list follows. */
export function pinsChanged(message: Message): void {
  const panel = s.panel;
  if (panel?.kind !== 'pins' || panel.channelId !== message.channel_id || !panel.list) return;
  const rest = panel.list.filter((m) => m.id !== message.id);
  panel.list = message.pinned ? [message, ...rest] : rest;
  invalidate('panel');
}

// --- slash commands and ephemeral messages ------------------------------------------------------

/** The current workspace's commands, for the composer's suggestions. */
export function commandsLoaded(workspaceId: number, commands: CommandInfo[]): void {
  if (s.workspaceId !== workspaceId) return;
  s.commands = commands;
  invalidate('composer', 'panel');
}

/** A message shown to me alone, in a conversation I list (once: the socket and the command's
 *  answer may both bring it). */
export function ephemeralShown(message: ShownEphemeral): void {
  if (message.workspace_id !== s.workspaceId || !s.channels.has(message.channel_id)) return;
  const shown = s.ephemeral.get(message.channel_id) ?? [];
  if (shown.some((e) => e.id === message.id)) return;
  s.ephemeral.set(message.channel_id, [...shown, message]);
  invalidate('messages', 'panel');
}

export function ephemeralDismissed(channelId: number, id: string): void {
  const shown = s.ephemeral.get(channelId);
  if (!shown) return;
  s.ephemeral.set(channelId, shown.filter((e) => e.id !== id));
  invalidate('messages', 'panel');
}

// --- editing, drafts, small view state ----------------------------------------------------------

export function startEditing(message: Pick<Message, 'id' | 'body'>): void {
  s.editing = { id: message.id, draft: message.body };
  invalidate('messages', 'panel');
}

/** Stop editing (`messageId`: only if that is the message being edited). */
export function stopEditing(messageId: number | null = null): void {
  if (messageId === null || s.editing?.id === messageId) s.editing = null;
  invalidate('messages', 'panel');
}

/** The text of the message being edited, kept across re-renders. The edit box shows it already:
 *  nothing to re-render (re-rendering while typing would move the caret). */
export function setEditDraft(text: string): void {
  if (s.editing) s.editing.draft = text;
}

/** The unsent text of a composer; '' forgets it. Like setEditDraft, re-renders nothing. */
export function setDraft(key: string, text: string): void {
  if (text) s.drafts.set(key, text);
  else s.drafts.delete(key);
}

export function setSidebar(open: boolean): void {
  s.sidebarOpen = open;
  invalidate('header', 'sidebar');
}

/** Mark a message for the eye (shown from search or a link). */
export function setHighlight(messageId: number): void {
  s.highlightId = messageId;
  invalidate('messages', 'panel');
}

// --- side panels --------------------------------------------------------------------------------

/** Close the side panel (`only`: just when that panel is still the open one). */
export function closePanel(only: Panel | null = null): void {
  if (only && s.panel !== only) return;
  s.panel = null;
  invalidate('panel', 'messages');
}

export function threadOpened(rootId: number): ThreadPanel {
  const panel: ThreadPanel = { kind: 'thread', rootId, channelId: s.channelId, root: null, replies: new Map(), loaded: false };
  s.panel = panel;
  s.sidebarOpen = false;
  invalidate('panel', 'messages');
  return panel;
}

export function threadPageLoaded(panel: ThreadPanel, root: Message, replies: Message[]): void {
  if (s.panel !== panel) return;
  panel.root = root;
  for (const reply of replies) panel.replies.set(reply.id, reply);
  invalidate('panel', 'messages');
}

export function threadLoaded(panel: ThreadPanel): void {
  panel.loaded = true;
  invalidate('panel', 'messages');
}

export function listPanelOpened(kind: 'members' | 'pins'): MembersPanel | PinsPanel {
  const panel: MembersPanel | PinsPanel = kind === 'members'
    ? { kind, channelId: s.channelId, list: null }
    : { kind, channelId: s.channelId, list: null };
  s.panel = panel;
  invalidate('panel');
  return panel;
}

export function membersListLoaded(panel: MembersPanel, list: ChannelMember[]): void {
  if (s.panel === panel) panel.list = list;
  invalidate('panel');
}

export function pinsListLoaded(panel: PinsPanel, list: Message[]): void {
  if (s.panel === panel) panel.list = list;
  invalidate('panel');
}

/** What a files panel keeps when it is reopened with another scope. */
export interface FilesFilter {
  scope?: FilesScope;
  fileKind?: string;
  userId?: number | '';
  query?: string;
}

export function filesPanelOpened(scope: FilesScope, keep: FilesFilter | null = null): FilesPanel {
  const panel: FilesPanel = {
    kind: 'files',
    scope,
    channelId: s.channelId,
    fileKind: keep?.fileKind ?? '',
    userId: keep?.userId ?? '',
    list: null,
    hasMore: false,
    loading: null,
    query: keep?.query ?? '',
    results: null,
    searching: false,
  };
  s.panel = panel;
  s.sidebarOpen = false;
  invalidate('panel', 'header');
  return panel;
}

export function filesFilterChanged(panel: FilesPanel, changes: Omit<FilesFilter, 'scope'>): void {
  if (changes.fileKind !== undefined) panel.fileKind = changes.fileKind;
  if (changes.userId !== undefined) panel.userId = changes.userId;
  if (changes.query !== undefined) panel.query = changes.query;
  invalidate('panel');
}

export function filesLoading(panel: FilesPanel, loading: Promise<unknown> | null): void {
  panel.loading = loading;
  invalidate('panel');
}

export function filesPageLoaded(panel: FilesPanel, files: FileInfo[], hasMore: boolean, more: boolean): void {
  if (s.panel !== panel) return;
  panel.list = more ? [...(panel.list ?? []), ...files] : files;
  panel.hasMore = hasMore;
  invalidate('panel');
}

/** A new search text ('' goes back to the list). */
export function filesQueryChanged(panel: FilesPanel, query: string): void {
  panel.query = query;
  if (!query) panel.results = null;
  invalidate('panel');
}

export function filesSearching(panel: FilesPanel, searching: boolean): void {
  panel.searching = searching;
  invalidate('panel');
}

export function filesSearchResults(panel: FilesPanel, results: FileSearchResult[]): void {
  if (s.panel === panel) panel.results = results;
  invalidate('panel');
}

// --- typing -------------------------------------------------------------------------------------

export const typingKey = (channelId: number, rootId: number | null | undefined): string => `${channelId}:${rootId ?? ''}`;

/** Someone is typing in a conversation; `person.timer` ends it (see events.ts). */
export function typingStarted(channelId: number, rootId: number | null, userId: number, person: TypingPerson): void {
  const key = typingKey(channelId, rootId);
  let people = s.typing.get(key);
  if (!people) {
    people = new Map();
    s.typing.set(key, people);
  }
  const before = people.get(userId);
  if (before) clearTimeout(before.timer);
  people.set(userId, person);
  invalidate('typing', 'panel');
}

export function typingStopped(channelId: number, rootId: number | null, userId: number): void {
  const people = s.typing.get(typingKey(channelId, rootId));
  const person = people?.get(userId);
  if (!people || !person) return;
  clearTimeout(person.timer);
  people.delete(userId);
  invalidate('typing', 'panel');
}

function clearAllTyping(): void {
  for (const people of s.typing.values()) for (const person of people.values()) clearTimeout(person.timer);
  s.typing.clear();
}

// --- connection ---------------------------------------------------------------------------------

/** What the browser says about the network. */
export function setOnline(online: boolean): void {
  s.online = online;
  invalidate('banner');
}

/** The socket is connected (and the browser online), or not. */
export function setConnected(connected: boolean): void {
  s.connected = connected;
  invalidate('banner');
}

/** Connection shown: once connected the banner stops saying "Connecting"; while disconnected
 *  nobody is typing (there is no "stopped typing" to wait for). */
export function connectionShown(connected: boolean): void {
  if (connected) s.everConnected = true;
  else {
    clearAllTyping();
    invalidate('typing', 'panel');
  }
  invalidate('banner', 'messages', 'panel');
}
