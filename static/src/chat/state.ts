// The client's single source of truth. Everyone reads `state`; only store.ts changes it (its
// named mutations also invalidate() the views that show what changed). `state` is typed
// read-only at the top level, and the writable handle, `writableState`, may be imported by
// store.ts alone (biome.json: noRestrictedImports, lifted for store.ts only).

import type { Channel, CommandInfo, EphemeralMessage, FileInfo, FileSearchResults, Me, Member, Message, Workspace } from '../api/types';

export type Role = NonNullable<Workspace['role']>;
export type Presence = 'online' | 'away';

/** One channel's loaded history: messages by id plus whether older ones exist. */
export interface MessageStore {
  messages: Map<number, Message>;
  hasMore: boolean;
  loaded: boolean;
  loading: Promise<void> | null;
  /** Where the "New" divider goes: the read position when the channel was opened. */
  readMarker?: number | null;
}

/** A channel member as the members panel lists it (GET /channels/{id}/members). */
export type ChannelMember = Member;
export type FileSearchResult = FileSearchResults['results'][number];

export interface ThreadPanel {
  kind: 'thread';
  rootId: number;
  channelId: number | null;
  root: Message | null;
  replies: Map<number, Message>;
  loaded: boolean;
}

export interface MembersPanel {
  kind: 'members';
  channelId: number | null;
  list: ChannelMember[] | null;
}

export interface PinsPanel {
  kind: 'pins';
  channelId: number | null;
  list: Message[] | null;
}

export type FilesScope = 'channel' | 'workspace';

export interface FilesPanel {
  kind: 'files';
  scope: FilesScope;
  channelId: number | null;
  fileKind: string;
  userId: number | '';
  list: FileInfo[] | null;
  hasMore: boolean;
  loading: Promise<unknown> | null;
  query: string;
  results: FileSearchResult[] | null;
  searching: boolean;
}

export type Panel = ThreadPanel | MembersPanel | PinsPanel | FilesPanel;

export interface TypingPerson {
  name: string;
  timer: ReturnType<typeof setTimeout>;
}

export interface State {
  me: Me;
  workspaces: Map<number, Workspace>;
  workspaceId: number | null;
  /** The current workspace's channels, with their counters. */
  channels: Map<number, Channel>;
  channelId: number | null;
  /** channel id -> its loaded history */
  stores: Map<number, MessageStore>;
  /** The current workspace's members by user id. */
  members: Map<number, Member>;
  presence: Map<number, Presence>;
  /** false: the server does not push presence in this workspace; the client polls (people.ts). */
  presenceLive: boolean;
  panel: Panel | null;
  /** `${channelId}:${rootId || ''}` -> user id -> who is typing */
  typing: Map<string, Map<number, TypingPerson>>;
  /** The message being edited inline, with its unsaved text. */
  editing: { id: number; draft: string } | null;
  connected: boolean;
  /** The banner says "Connecting" until the first connect. */
  everConnected: boolean;
  online: boolean;
  /** Phone-sized screens: the conversation list slides over. */
  sidebarOpen: boolean;
  /** A message shown from search: marked until another is. */
  highlightId: number | null;
  /** `${channelId}:${rootId || ''}` -> unsent text */
  drafts: Map<string, string>;
  /** The commands of the current workspace the composer suggests (null: not loaded yet). */
  commands: CommandInfo[] | null;
  /** channel id -> messages shown to me alone (slash command answers, bots' ephemeral
   *  messages), oldest first; never stored, so gone on reload. */
  ephemeral: Map<number, ShownEphemeral[]>;
}

/** An ephemeral message as shown: the server's, or (`local`) a note the client made itself,
 *  such as a command the server refused, whose `body` is shown as text (it has no `html`). */
export type ShownEphemeral = EphemeralMessage & { local?: boolean };

/** Who is signed in: the page carries it (templates/app.html), so the first render needs no request. */
function readMe(): Me {
  const raw = document.getElementById('app')?.dataset.me;
  if (!raw) throw new Error('the page has no #app[data-me]');
  return JSON.parse(raw) as Me;
}

export function initialState(me: Me): State {
  return {
    me,
    workspaces: new Map(),
    workspaceId: null,
    channels: new Map(),
    channelId: null,
    stores: new Map(),
    members: new Map(),
    presence: new Map(),
    presenceLive: true,
    panel: null,
    typing: new Map(),
    editing: null,
    connected: false,
    everConnected: false,
    online: typeof navigator === 'undefined' ? true : navigator.onLine,
    sidebarOpen: false,
    highlightId: null,
    drafts: new Map(),
    commands: null,
    ephemeral: new Map(),
  };
}

/** Only store.ts imports this (enforced by biome.json). */
export const writableState: State = initialState(readMe());

/** The state, for reading. Change it through the store's mutations (store.ts). */
export const state: Readonly<State> = writableState;

export function newStore(): MessageStore {
  return { messages: new Map(), hasMore: true, loaded: false, loading: null };
}

/** The ephemeral messages shown in a conversation (`rootId`: in that thread; null: at top level). */
export function ephemeralIn(channelId: number | null, rootId: number | null = null): ShownEphemeral[] {
  if (channelId === null) return [];
  return (state.ephemeral.get(channelId) ?? []).filter((e) => (e.thread_root_id ?? null) === rootId);
}

export function sortedMessages(store: MessageStore): Message[] {
  return [...store.messages.values()].sort((a, b) => a.id - b.id);
}

export const isDirect = (channel: Pick<Channel, 'kind'>): boolean => channel.kind === 'dm' || channel.kind === 'group';

export function currentWorkspace(): Workspace | null {
  return (state.workspaceId !== null && state.workspaces.get(state.workspaceId)) || null;
}

export const isAdmin = (): boolean => {
  const role = currentWorkspace()?.role;
  return role === 'owner' || role === 'admin';
};

/** Whether the Integrations page is for this person (the server decides again): admins, and
 *  members where the workspace lets members make incoming webhooks. */
export const mayOpenIntegrations = (): boolean => {
  const workspace = currentWorkspace();
  return isAdmin() || (workspace?.role === 'member' && workspace.members_create_webhooks);
};

export function displayName(channel: Channel | null | undefined): string {
  if (!channel) return '';
  if (!isDirect(channel)) return channel.name ?? '';
  const others = (channel.members ?? []).filter((m) => m.id !== state.me.id);
  if (!others.length) return `${state.me.display_name} (you)`;
  return others.map((m) => m.display_name).join(', ');
}

/** A message is "for me" when it names me, addresses the whole channel, or is a DM (one I have
 *  not muted: a muted conversation speaks to me only by naming me). */
export function mentionsMe(message: Message, channel: Channel | null | undefined): boolean {
  if (message.author?.id === state.me.id) return false;
  if (channel && isDirect(channel) && !channel.muted) return true;
  return message.mentions_channel || (message.html ?? '').includes(`data-user-id="${state.me.id}"`);
}

/** Sidebar badge numbers: an unread direct message counts as a mention, as on the server. A
 *  muted channel shows its mentions only (as the server's workspace badge counts it). */
export function badgeCounts(channel: Channel): { unread: number; mentions: number } {
  if (channel.muted) return { unread: 0, mentions: channel.mention_count ?? 0 };
  const unread = channel.unread_count ?? 0;
  const mentions = isDirect(channel) ? Math.max(unread, channel.mention_count ?? 0) : (channel.mention_count ?? 0);
  return { unread, mentions };
}

/** Totals of the current workspace, computed from its channels so they are always in step. */
export function workspaceTotals(): { unread: number; mentions: number } {
  let unread = 0;
  let mentions = 0;
  for (const channel of state.channels.values()) {
    const counts = badgeCounts(channel);
    unread += counts.unread;
    mentions += counts.mentions;
  }
  return { unread, mentions };
}

export function memberName(userId: number): string {
  return state.members.get(userId)?.display_name ?? 'Someone';
}
