// The client's single source of truth. Views read it; actions and live events change it
// and then invalidate() the views that depend on what changed.

const appEl = document.getElementById('app');

export const state = {
  me: JSON.parse(appEl.dataset.me),
  workspaces: new Map(),      // id -> {id, name, role, unread_count, mention_count}
  workspaceId: null,
  channels: new Map(),        // the current workspace's channels: id -> channel payload + counters
  channelId: null,
  stores: new Map(),          // channel id -> message store (see newStore)
  members: new Map(),         // current workspace members: user id -> member payload
  presence: new Map(),        // user id -> 'online' | 'away'
  presenceLive: true,         // false: the server does not push presence here; we poll (people.js)
  panel: null,                // null | {kind: 'thread', rootId, ...} | {kind: 'members', channelId, ...}
  typing: new Map(),          // `${channelId}:${rootId || ''}` -> Map(user id -> {name, timer})
  editing: null,              // {id, draft}: the message being edited inline
  connected: false,
  everConnected: false,       // the banner says "Connecting" until the first connect
  online: navigator.onLine,
  sidebarOpen: false,         // phone-sized screens: the conversation list slides over
  highlightId: null,          // a message shown from search: marked until another is
  drafts: new Map(),          // `${channelId}:${rootId || ''}` -> unsent text
};

/** One channel's loaded history: messages by id plus whether older ones exist. */
export function newStore() {
  return { messages: new Map(), hasMore: true, loaded: false, loading: null };
}

export function sortedMessages(store) {
  return [...store.messages.values()].sort((a, b) => a.id - b.id);
}

export const isDirect = (channel) => channel.kind === 'dm' || channel.kind === 'group';

export function currentWorkspace() {
  return state.workspaces.get(state.workspaceId) ?? null;
}

export const isAdmin = () => ['owner', 'admin'].includes(currentWorkspace()?.role);

export function displayName(channel) {
  if (!channel) return '';
  if (!isDirect(channel)) return channel.name;
  const others = (channel.members ?? []).filter((m) => m.id !== state.me.id);
  if (!others.length) return `${state.me.display_name} (you)`;
  return others.map((m) => m.display_name).join(', ');
}

/** A message is "for me" when it names me, addresses the whole channel, or is a DM. */
export function mentionsMe(message, channel) {
  if (message.author?.id === state.me.id) return false;
  if (channel && isDirect(channel)) return true;
  return message.mentions_channel || (message.html ?? '').includes(`data-user-id="${state.me.id}"`);
}

/** Sidebar badge numbers: an unread direct message counts as a mention, as on the server. */
export function badgeCounts(channel) {
  const unread = channel.unread_count ?? 0;
  const mentions = isDirect(channel) ? Math.max(unread, channel.mention_count ?? 0) : (channel.mention_count ?? 0);
  return { unread, mentions };
}

/** Totals of the current workspace, computed from its channels so they are always in step. */
export function workspaceTotals() {
  let unread = 0, mentions = 0;
  for (const channel of state.channels.values()) {
    const counts = badgeCounts(channel);
    unread += counts.unread;
    mentions += counts.mentions;
  }
  return { unread, mentions };
}

export function memberName(userId) {
  return state.members.get(userId)?.display_name ?? 'Someone';
}
