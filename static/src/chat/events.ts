// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Applying server events to `state`. Durable envelopes arrive in id order, once each (see
// realtime.js), possibly replayed after a reconnect, so every handler is idempotent: a
// replayed message.created that is already shown or counted changes nothing.

import * as actions from './actions';
import { notify } from './notify';
import { flushOutbox, settle } from './outbox';
import { invalidate } from './render';
import { displayName, isDirect, mentionsMe, state } from './state';
import { fileUpdated } from './uploads';

const TYPING_MS = 6000;

export function applyEnvelope(envelope) {
  const { type, data } = envelope;
  const here = envelope.workspace_id === state.workspaceId;
  if (here && state.panel?.kind === 'files' && (data?.files?.length || type === 'message.deleted'
    || state.panel.list?.some((f) => f.message_id === data?.id))) actions.refreshFilesSoon();
  if (data?.redacted) {
    // The message changed or went away later: a later event of this replay carries what it is
    // now. A creation we only learn of this way was not counted: let the server count.
    if (here && type === 'message.created') actions.refreshChannelsSoon();
    return;
  }
  switch (type) {
    case 'message.created': return messageCreated(data, here);
    case 'message.updated': if (here) messageUpdated(data); return;
    case 'message.deleted': if (here) messageDeleted(data); return;
    case 'channel.created': if (here) publicChannelsChanged(); return;
    case 'channel.updated': if (here) channelUpdated(data); return;
    case 'channel.member_added': return memberAdded(data, here);
    case 'channel.member_removed': return memberRemoved(data, here);
    case 'workspace.joined': actions.refreshWorkspacesSoon(); return;
    default: console.debug('unhandled event', type);
  }
}

function messageCreated(message, here) {
  if (message.author.id === state.me.id) settle(message.client_msg_id);
  if (!here) {
    // Another workspace: its badge comes from the server; still tell the person if it is for them.
    actions.refreshWorkspacesSoon();
    if (message.author.id !== state.me.id && mentionsMe(message, null)) {
      notify(state.workspaces.get(message.workspace_id)?.name ?? 'Chat', message, () => {
        actions.switchWorkspace(message.workspace_id, message.channel_id);
      });
    }
    return;
  }
  const channel = state.channels.get(message.channel_id);
  if (!channel) {
    actions.refreshChannelsSoon(); // a conversation we have not loaded yet (a new DM)
    return;
  }
  clearTyping(message.channel_id, message.thread_root_id, message.author.id);
  actions.upsertMessage(message);
  // last_message_id is the watermark of what the counters already include: events at or
  // below it (replays, or events held while the list loaded) are never counted twice.
  if (message.id <= (channel.last_message_id ?? 0)) return;
  channel.last_message_id = message.id;
  if (message.author.id !== state.me.id) {
    if (!message.thread_root_id) channel.unread_count = (channel.unread_count ?? 0) + 1;
    if (mentionsMe(message, channel) && !isDirect(channel)) channel.mention_count = (channel.mention_count ?? 0) + 1;
    if (mentionsMe(message, channel) && (document.hidden || state.channelId !== channel.id)) {
      const title = isDirect(channel) ? displayName(channel) : `#${channel.name}`;
      notify(title, message, () => actions.openChannel(channel.id));
    }
  }
  invalidate('sidebar', 'workspaces');
  if (state.channelId === channel.id) actions.maybeMarkRead();
}

function messageUpdated(message) {
  // Not shown yet but inside what is loaded: created while we were away and changed since, so
  // the replay's message.created was redacted and this is the first we see of it.
  actions.upsertMessage(message, { onlyIfPresent: !withinLoaded(message) });
  const panel = state.panel;
  if (panel?.kind === 'pins' && panel.channelId === message.channel_id && panel.list) {
    const rest = panel.list.filter((m) => m.id !== message.id);
    panel.list = message.pinned ? [message, ...rest] : rest;
    invalidate('panel');
  }
}

function withinLoaded(message) {
  if (message.thread_root_id) return state.panel?.kind === 'thread' && state.panel.rootId === message.thread_root_id;
  const store = state.stores.get(message.channel_id);
  if (!store?.messages.size) return false;
  let oldest = Infinity;
  for (const id of store.messages.keys()) oldest = Math.min(oldest, id);
  return message.id > oldest;
}

function messageDeleted(data) {
  const store = state.stores.get(data.channel_id);
  const shown = store?.messages.get(data.id);
  if (shown) {
    // A message with replies stays as a placeholder so its thread remains reachable.
    if (shown.reply_count > 0) store.messages.set(data.id, { ...shown, deleted: true, body: '', html: '', reactions: [], pinned: false });
    else store.messages.delete(data.id);
  }
  const panel = state.panel;
  if (panel?.kind === 'thread') {
    panel.replies.delete(data.id);
    if (panel.rootId === data.id && panel.root) panel.root = { ...panel.root, deleted: true, body: '', html: '', reactions: [] };
  }
  if (panel?.kind === 'pins') panel.list = panel.list?.filter((m) => m.id !== data.id) ?? null;
  if (state.editing?.id === data.id) state.editing = null;
  const channel = state.channels.get(data.channel_id);
  if (channel && data.id > (channel.last_read_id ?? 0) && (channel.unread_count || channel.mention_count)) {
    actions.refreshChannelsSoon();
  }
  invalidate('messages', 'panel');
}

function memberAdded({ channel, user_id: userId }, here) {
  if (userId === state.me.id) {
    if (!here) actions.refreshWorkspacesSoon();
    else if (!state.channels.has(channel.id)) actions.refreshChannelsSoon();
    return;
  }
  if (here) refreshMembersPanel(channel.id);
}

function memberRemoved({ channel_id: channelId, user_id: userId }, here) {
  if (!here) return;
  if (userId === state.me.id) {
    if (!state.channels.has(channelId)) return;
    actions.refreshChannelsSoon(); // drops the channel and moves away if it was open
    return;
  }
  refreshMembersPanel(channelId);
}

function refreshMembersPanel(channelId) {
  if (state.panel?.kind === 'members' && state.panel.channelId === channelId) actions.refreshMembersPanelSoon();
}

// The channel browser lists the workspace's public channels, joined or not: public channels'
// channel.created and channel.updated reach every member (not guests) for it.
function publicChannelsChanged() {
  document.dispatchEvent(new CustomEvent('chat:public-channels-changed'));
}

function channelUpdated(channel) {
  const known = actions.mergeChannel(channel);
  publicChannelsChanged();
  // Choosing who posts in a broadcast channel also sends channel.updated; the payload does not
  // say whom it was about, so reload our own can_post and the open members list.
  if (known && channel.broadcast) {
    actions.refreshChannelsSoon();
    refreshMembersPanel(channel.id);
  }
}

// --- ephemeral events: not logged, never replayed ----------------------------------------------

export function applyEphemeral(name, data) {
  if (!data) return;
  switch (name) {
    case 'typing': return typing(data);
    case 'presence.changed':
      if (data.workspace_id !== state.workspaceId) return;
      if (data.status === 'offline') state.presence.delete(data.user_id);
      else state.presence.set(data.user_id, data.status);
      invalidate('sidebar', 'panel', 'header');
      return;
    case 'channel.read': return channelRead(data);
    case 'file.updated': fileUpdated(data); return;
    case 'workspace.member_updated': actions.memberUpdated(data); return;
    default:
  }
}

function channelRead({ channel_id: channelId, last_read_id: lastRead, workspace_id: workspaceId }) {
  if (workspaceId !== state.workspaceId) {
    actions.refreshWorkspacesSoon();
    return;
  }
  const channel = state.channels.get(channelId);
  if (!channel || lastRead <= (channel.last_read_id ?? 0)) return;
  channel.last_read_id = lastRead;
  if (lastRead >= (channel.last_message_id ?? 0)) {
    channel.unread_count = 0;
    channel.mention_count = 0;
  } else {
    actions.refreshChannelsSoon(); // read up to somewhere in the middle: let the server count
  }
  invalidate('sidebar', 'workspaces');
}

const typingKey = (channelId, rootId) => `${channelId}:${rootId ?? ''}`;

function typing({ channel_id: channelId, thread_root_id: rootId, user, workspace_id: workspaceId }) {
  if (workspaceId !== state.workspaceId || user.id === state.me.id) return;
  const key = typingKey(channelId, rootId);
  let people = state.typing.get(key);
  if (!people) {
    people = new Map();
    state.typing.set(key, people);
  }
  clearTimeout(people.get(user.id)?.timer);
  const timer = setTimeout(() => clearTyping(channelId, rootId, user.id), TYPING_MS);
  people.set(user.id, { name: user.display_name, timer });
  invalidate('typing', 'panel');
}

function clearTyping(channelId, rootId, userId) {
  const people = state.typing.get(typingKey(channelId, rootId));
  if (!people?.has(userId)) return;
  clearTimeout(people.get(userId).timer);
  people.delete(userId);
  invalidate('typing', 'panel');
}

export function typingNames(channelId, rootId = null) {
  return [...(state.typing.get(typingKey(channelId, rootId))?.values() ?? [])].map((p) => p.name);
}

// --- connection ---------------------------------------------------------------------------------

export function connectionChanged(connected) {
  if (connected) state.everConnected = true;
  if (!connected) {
    for (const people of state.typing.values()) for (const p of people.values()) clearTimeout(p.timer);
    state.typing.clear();
    invalidate('typing', 'panel');
  }
  invalidate('banner', 'messages', 'panel');
}

/** After every (re)connect and catch-up: resend what waited, and refresh what is not logged. */
export function synced() {
  flushOutbox();
  actions.flushReads();
  actions.announcePresence();
  actions.refreshPresence().catch(console.warn);
  actions.refreshWorkspacesSoon();
  actions.maybeMarkRead();
}
