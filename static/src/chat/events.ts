// Server events -> store mutations. Durable envelopes arrive in id order, once each (see
// catchup.ts), possibly replayed after a reconnect, so every handler is idempotent: a replayed
// message.created that is already shown or counted changes nothing.

import type { Channel, DeletedMessage, EphemeralEventName, Message, SocketEvents } from '../api/types';
import * as actions from './actions';
import { type Envelope, isRedacted } from './catchup';
import { notify } from './notify';
import { flushOutbox, settle } from './outbox';
import { displayName, isDirect, mentionsMe, state } from './state';
import * as store from './store';
import { fileUpdated } from './uploads';

export const TYPING_MS = 6000;

export function applyEnvelope(envelope: Envelope): void {
  const here = envelope.workspace_id === state.workspaceId;
  if (here && filesPanelConcerned(envelope)) actions.refreshFilesSoon();
  if (isRedacted(envelope)) {
    // The message changed or went away later: a later event of this replay carries what it is
    // now. A creation we only learn of this way was not counted: let the server count.
    if (here && envelope.type === 'message.created') actions.refreshChannelsSoon();
    return;
  }
  switch (envelope.type) {
    case 'message.created':
      messageCreated(envelope.data, here);
      return;
    case 'message.updated':
      if (here) messageUpdated(envelope.data);
      return;
    case 'message.deleted':
      if (here) messageDeleted(envelope.data);
      return;
    case 'channel.created':
      if (here) publicChannelsChanged();
      return;
    case 'channel.updated':
      if (here) channelUpdated(envelope.data);
      return;
    case 'channel.member_added':
      memberAdded(envelope.data, here);
      return;
    case 'channel.member_removed':
      memberRemoved(envelope.data, here);
      return;
    case 'workspace.joined':
      actions.refreshWorkspacesSoon();
      return;
    default:
      console.debug('unhandled event', (envelope as { type: string }).type);
  }
}

/** Whether the open files panel lists something this event may change. */
function filesPanelConcerned(envelope: Envelope): boolean {
  const panel = state.panel;
  if (panel?.kind !== 'files') return false;
  const data = envelope.data;
  if ('files' in data && data.files.length) return true;
  if (envelope.type === 'message.deleted') return true;
  const id = 'id' in data ? data.id : undefined;
  return panel.list?.some((f) => f.message_id === id) ?? false;
}

function messageCreated(message: Message, here: boolean): void {
  if (message.author.id === state.me.id) settle(message.client_msg_id);
  if (!here) {
    // Another workspace: its badge comes from the server; still tell the person if it is for them.
    actions.refreshWorkspacesSoon();
    if (message.author.id !== state.me.id && mentionsMe(message, null)) {
      notify(state.workspaces.get(message.workspace_id)?.name ?? 'Chat', message, () => {
        void actions.switchWorkspace(message.workspace_id, message.channel_id);
      });
    }
    return;
  }
  const channel = state.channels.get(message.channel_id);
  if (!channel) {
    actions.refreshChannelsSoon(); // a conversation we have not loaded yet (a new DM)
    return;
  }
  store.typingStopped(message.channel_id, message.thread_root_id, message.author.id);
  store.upsertMessage(message);
  // last_message_id is the watermark of what the counters already include: events at or
  // below it (replays, or events held while the list loaded) are never counted twice.
  if (message.id <= (channel.last_message_id ?? 0)) return;
  const fromOthers = message.author.id !== state.me.id;
  const forMe = fromOthers && mentionsMe(message, channel);
  store.messageCounted(channel.id, message.id, {
    unread: fromOthers && !message.thread_root_id,
    mention: forMe && !isDirect(channel),
  });
  if (forMe && (document.hidden || state.channelId !== channel.id)) {
    const title = isDirect(channel) ? displayName(channel) : `#${channel.name}`;
    notify(title, message, () => void actions.openChannel(channel.id));
  }
  if (state.channelId === channel.id) actions.maybeMarkRead();
}

function messageUpdated(message: Message): void {
  // Not shown yet but inside what is loaded: created while we were away and changed since, so
  // the replay's message.created was redacted and this is the first we see of it.
  store.upsertMessage(message, { onlyIfPresent: !withinLoaded(message) });
  store.pinsChanged(message);
}

function withinLoaded(message: Message): boolean {
  if (message.thread_root_id) return state.panel?.kind === 'thread' && state.panel.rootId === message.thread_root_id;
  const history = state.stores.get(message.channel_id);
  if (!history?.messages.size) return false;
  let oldest = Number.POSITIVE_INFINITY;
  for (const id of history.messages.keys()) oldest = Math.min(oldest, id);
  return message.id > oldest;
}

function messageDeleted(data: DeletedMessage): void {
  store.messageDeleted(data);
  const channel = state.channels.get(data.channel_id);
  if (channel && data.id > (channel.last_read_id ?? 0) && (channel.unread_count || channel.mention_count)) {
    actions.refreshChannelsSoon();
  }
}

function memberAdded({ channel, user_id: userId }: { channel: Channel; user_id: number }, here: boolean): void {
  if (userId === state.me.id) {
    if (!here) actions.refreshWorkspacesSoon();
    else if (!state.channels.has(channel.id)) actions.refreshChannelsSoon();
    return;
  }
  if (here) refreshMembersPanel(channel.id);
}

function memberRemoved({ channel_id: channelId, user_id: userId }: { channel_id: number; user_id: number }, here: boolean): void {
  if (!here) return;
  if (userId === state.me.id) {
    if (!state.channels.has(channelId)) return;
    actions.refreshChannelsSoon(); // drops the channel and moves away if it was open
    return;
  }
  refreshMembersPanel(channelId);
}

function refreshMembersPanel(channelId: number): void {
  if (state.panel?.kind === 'members' && state.panel.channelId === channelId) actions.refreshMembersPanelSoon();
}

// The channel browser lists the workspace's public channels, joined or not: public channels'
// channel.created and channel.updated reach every member (not guests) for it.
function publicChannelsChanged(): void {
  document.dispatchEvent(new CustomEvent('chat:public-channels-changed'));
}

function channelUpdated(channel: Channel): void {
  const known = store.mergeChannel(channel);
  publicChannelsChanged();
  // Choosing who posts in a broadcast channel also sends channel.updated; the payload does not
  // say whom it was about, so reload our own can_post and the open members list.
  if (known && channel.broadcast) {
    actions.refreshChannelsSoon();
    refreshMembersPanel(channel.id);
  }
}

// --- ephemeral events: not logged, never replayed ----------------------------------------------

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The network boundary for ephemeral events: just enough checking to trust the documented shape
 *  (the server checks every event against it: tests/realtime/test_event_shapes.py). */
function ephemeral<K extends EphemeralEventName>(name: K, data: unknown): SocketEvents[K] | null {
  if (!isRecord(data)) return null;
  const ids: Record<EphemeralEventName, string[]> = {
    typing: ['channel_id', 'workspace_id'],
    'presence.changed': ['user_id', 'workspace_id'],
    'channel.read': ['channel_id', 'last_read_id', 'workspace_id'],
    'file.updated': [],
    'workspace.member_updated': ['id'],
    'message.ephemeral': ['channel_id', 'workspace_id'],
    'channel.muted': ['channel_id', 'workspace_id'],
  };
  if (!ids[name].every((key) => typeof data[key] === 'number')) return null;
  if (name === 'typing' && !(isRecord(data.user) && typeof data.user.id === 'number')) return null;
  return data as SocketEvents[K];
}

export function applyEphemeral(name: EphemeralEventName, payload: unknown): void {
  switch (name) {
    case 'typing': {
      const data = ephemeral(name, payload);
      if (data) typing(data);
      return;
    }
    case 'presence.changed': {
      const data = ephemeral(name, payload);
      if (data && data.workspace_id === state.workspaceId) store.presenceChanged(data.user_id, data.status);
      return;
    }
    case 'channel.read': {
      const data = ephemeral(name, payload);
      if (data) channelRead(data);
      return;
    }
    case 'file.updated': {
      const data = ephemeral(name, payload);
      if (data) fileUpdated(data);
      return;
    }
    case 'workspace.member_updated': {
      const data = ephemeral(name, payload);
      if (data) actions.memberUpdated(data);
      return;
    }
    case 'message.ephemeral': {
      const data = ephemeral(name, payload);
      if (data && typeof data.id === 'string' && typeof data.html === 'string') store.ephemeralShown(data);
      return;
    }
    case 'channel.muted': {
      const data = ephemeral(name, payload);
      if (data && data.workspace_id === state.workspaceId) store.channelMuted(data.channel_id, data.muted === true);
      return;
    }
    default:
  }
}

function channelRead({ channel_id: channelId, last_read_id: lastRead, workspace_id: workspaceId }: SocketEvents['channel.read']): void {
  if (workspaceId !== state.workspaceId) {
    actions.refreshWorkspacesSoon();
    return;
  }
  const channel = state.channels.get(channelId);
  if (!channel || lastRead <= (channel.last_read_id ?? 0)) return;
  store.readUpTo(channelId, lastRead);
  // Read up to somewhere in the middle: let the server count what is left.
  if (lastRead < (channel.last_message_id ?? 0)) actions.refreshChannelsSoon();
}

function typing({ channel_id: channelId, thread_root_id: rootId, user, workspace_id: workspaceId }: SocketEvents['typing']): void {
  if (workspaceId !== state.workspaceId || user.id === state.me.id) return;
  // There is no "stopped typing": the name goes after a few seconds unless typing goes on.
  const timer = setTimeout(() => store.typingStopped(channelId, rootId, user.id), TYPING_MS);
  store.typingStarted(channelId, rootId, user.id, { name: user.display_name, timer });
}

export function typingNames(channelId: number, rootId: number | null = null): string[] {
  return [...(state.typing.get(store.typingKey(channelId, rootId))?.values() ?? [])].map((p) => p.name);
}

// --- connection ---------------------------------------------------------------------------------

export function connectionChanged(connected: boolean): void {
  store.connectionShown(connected);
}

/** After every (re)connect and catch-up: resend what waited, and refresh what is not logged. */
export function synced(): void {
  flushOutbox();
  actions.flushReads();
  actions.announcePresence();
  actions.refreshPresence().catch(console.warn);
  actions.refreshWorkspacesSoon();
  actions.maybeMarkRead();
}
