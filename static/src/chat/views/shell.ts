// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// The page skeleton and the always-visible parts: connection banner, workspace bar, sidebar
// and conversation header.

import * as actions from '../actions';
import { csrfToken } from '../api';
import { colorClass, h, initials } from '../dom';
import { icon } from '../icons';
import { askPermission, notificationsWanted } from '../notify';
import { invalidate } from '../render';
import { badgeCounts, currentWorkspace, displayName, isAdmin, isDirect, state, workspaceTotals } from '../state';
import { toast } from '../toast';
import { browseChannelsDialog, channelDetailsDialog, createChannelDialog, createWorkspaceDialog,
  directMessageDialog, inviteDialog, workspaceSettingsDialog } from './dialogs';
import { dropTarget, makeComposer, maybeLoadOlder } from './messages';
import { presenceDot, threadDrop } from './panel';
import { workspaceMembersDialog } from './people';
import { profileDialog } from './profile';

export let composer = null;

export function buildShell(root) {
  composer = makeComposer({
    id: 'composer', label: 'Send a message',
    target: () => (state.channelId ? { channelId: state.channelId, rootId: null } : null),
  });
  const messages = h('div', { id: 'messages', class: 'message-list', role: 'log', 'aria-label': 'Messages', tabindex: '0' });
  messages.addEventListener('scroll', maybeLoadOlder, { passive: true });
  const conversation = h('main', { class: 'conversation', 'aria-labelledby': 'conv-title', 'data-testid': 'conversation' },
    h('header', { id: 'conv-header', class: 'conv-header' }),
    messages,
    h('div', { id: 'typing', class: 'typing', 'aria-live': 'polite', 'data-testid': 'typing' }),
    composer.form);
  conversation.append(dropTarget(conversation, 'drop-zone', channelDrop));
  const panel = h('aside', { id: 'panel', class: 'panel', hidden: true });
  panel.append(dropTarget(panel, 'panel-drop-zone', () => threadDrop() ?? channelDrop()));
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#composer' }, 'Skip to message box'),
    h('div', { id: 'conn-banner', class: 'conn-banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'connection-banner', hidden: true }),
    h('div', { class: 'layout' },
      h('nav', { id: 'workspace-bar', class: 'workspace-bar', 'aria-label': 'Workspaces' }),
      h('aside', { id: 'sidebar', class: 'sidebar', 'aria-label': 'Conversations' }),
      h('div', { class: 'scrim', 'aria-hidden': 'true', onclick: () => actions.setSidebar(false) }),
      conversation,
      panel),
    h('div', { id: 'toasts', class: 'toasts' }));
}

/** Files dropped on the conversation, or on a side panel other than a thread, join its composer. */
function channelDrop() {
  const channel = state.channels.get(state.channelId);
  if (!channel) return { composer: null, label: 'Open a conversation first' };
  return { composer, label: `Drop files to send them to ${isDirect(channel) ? displayName(channel) : `#${channel.name}`}` };
}

export function renderBanner() {
  const el = document.getElementById('conn-banner');
  el.hidden = state.connected;
  el.textContent = !state.online ? 'You are offline. Messages you send will go out when the connection is back.'
    : state.everConnected ? 'Connection lost. Reconnecting…' : 'Connecting…';
  document.body.classList.toggle('disconnected', !state.connected);
}

// The server counts unread messages up to 1,000 (services/summaries.py, UNREAD_CAP).
const badgeNumber = (n) => (n > 999 ? '999+' : String(n));

function badges(unread, mentions, testPrefix) {
  return [
    mentions > 0 ? h('span', { class: 'badge mention', 'data-testid': `${testPrefix}-mentions` }, badgeNumber(mentions)) : null,
    unread > 0 && !mentions ? h('span', { class: 'badge unread', 'data-testid': `${testPrefix}-unread` }, badgeNumber(unread)) : null,
  ];
}

function countsLabel(name, unread, mentions) {
  const parts = [name];
  if (unread) parts.push(`${badgeNumber(unread)} unread`);
  if (mentions) parts.push(`${badgeNumber(mentions)} ${mentions === 1 ? 'mention' : 'mentions'}`);
  return parts.join(', ');
}

export function renderWorkspaces() {
  const bar = document.getElementById('workspace-bar');
  const items = [...state.workspaces.values()].map((w) => {
    const current = w.id === state.workspaceId;
    const { unread, mentions } = current ? workspaceTotals() : { unread: w.unread_count ?? 0, mentions: w.mention_count ?? 0 };
    return h('li', {}, h('button', {
      type: 'button', class: `workspace-button${current ? ' current' : ''}${unread ? ' has-unread' : ''}`,
      'aria-current': current ? 'true' : null, 'aria-label': countsLabel(w.name, unread, mentions), title: w.name,
      'data-workspace-id': w.id, 'data-testid': 'workspace',
      onclick: () => { if (!current) actions.switchWorkspace(w.id); },
    }, h('span', { class: 'workspace-initials', 'aria-hidden': 'true' }, initials(w.name)), badges(unread, mentions, 'workspace')));
  });
  bar.replaceChildren(
    h('ul', { class: 'workspace-list' }, items),
    h('button', { type: 'button', class: 'workspace-button add', 'aria-label': 'Create a workspace', title: 'Create a workspace', onclick: createWorkspaceDialog }, icon('plus')));
}

/** The sidebar mark for a room: a lock (private), a megaphone (broadcast) or a hash. */
const channelIcon = (channel) => icon(channel.kind === 'private' ? 'lock' : channel.broadcast ? 'megaphone' : 'hash');

function channelItem(channel) {
  const { unread, mentions } = badgeCounts(channel);
  const current = channel.id === state.channelId;
  const direct = isDirect(channel);
  const name = displayName(channel);
  let mark: any;
  if (direct) {
    const others = (channel.members ?? []).filter((m) => m.id !== state.me.id);
    mark = others.length === 1 ? presenceDot(others[0].id) : h('span', { class: 'channel-icon', 'aria-hidden': 'true' }, others.length ? String(others.length + 1) : '•');
  } else {
    mark = h('span', { class: 'channel-icon', 'aria-hidden': 'true' }, channelIcon(channel));
  }
  return h('li', {}, h('button', {
    type: 'button', class: `channel-item${current ? ' current' : ''}${unread || mentions ? ' unread' : ''}${channel.archived ? ' archived' : ''}`,
    'aria-current': current ? 'page' : null, 'aria-label': countsLabel(direct ? name : `#${name}`, unread, mentions),
    'data-channel-id': channel.id, 'data-channel-name': direct ? null : channel.name, 'data-testid': 'channel',
    onclick: () => actions.openChannel(channel.id),
  }, mark, h('span', { class: 'channel-name' }, name), badges(unread, mentions, 'channel')));
}

export function renderSidebar() {
  const sidebar = document.getElementById('sidebar');
  document.body.classList.toggle('sidebar-open', state.sidebarOpen);
  const workspace = currentWorkspace();
  const channels = [...state.channels.values()];
  const rooms = channels.filter((c) => !isDirect(c)).sort((a, b) => a.archived - b.archived || a.name.localeCompare(b.name));
  const directs = channels.filter(isDirect).sort((a, b) => (b.last_message_id ?? 0) - (a.last_message_id ?? 0));
  const guest = workspace?.role === 'guest';
  const section = (title, id, buttons, list) => h('section', { class: 'sidebar-section', 'aria-labelledby': id },
    h('div', { class: 'section-head' }, h('h3', { id }, title), buttons),
    h('ul', { class: 'channel-list' }, list));
  const footer = h('footer', { class: 'sidebar-foot' },
    h('button', { type: 'button', class: 'me', 'aria-label': `Your profile: ${state.me.display_name}`, title: 'Your profile, password and API tokens',
      'data-testid': 'profile-button', onclick: profileDialog },
    h('span', { class: `avatar small ${colorClass(state.me.id)}`, 'aria-hidden': 'true' }, initials(state.me.display_name)),
    presenceDot(state.me.id),
    h('span', { class: 'me-name' }, state.me.display_name)),
    notificationsWanted() ? h('button', { type: 'button', class: 'link', onclick: async () => {
      const answer = await askPermission();
      toast(answer === 'granted' ? 'Notifications are on' : 'Notifications stay off', 'info');
      invalidate('sidebar');
    } }, 'Enable notifications') : null,
    h('form', { method: 'post', action: '/logout', class: 'logout' },
      h('input', { type: 'hidden', name: 'csrf_token', value: csrfToken }),
      h('button', { type: 'submit', class: 'link' }, 'Sign out')));
  if (!workspace) {
    sidebar.replaceChildren(h('div', { class: 'sidebar-head' }, h('h2', {}, 'No workspace')),
      h('div', { class: 'sidebar-scroll' }, h('p', { class: 'muted pad' }, 'Create a workspace with the + button, or open an invite link from a colleague.'),
        h('button', { type: 'button', class: 'pad-button', onclick: createWorkspaceDialog }, 'Create a workspace')), footer);
    return;
  }
  sidebar.replaceChildren(
    h('div', { class: 'sidebar-head' },
      h('h2', { 'data-testid': 'workspace-name' }, workspace.name),
      isAdmin() ? h('div', { class: 'head-links' },
        h('button', { type: 'button', class: 'link', onclick: inviteDialog }, 'Invite people'),
        h('button', { type: 'button', class: 'link', 'data-testid': 'members-link', onclick: workspaceMembersDialog }, 'Manage members'),
        h('button', { type: 'button', class: 'link', onclick: workspaceSettingsDialog }, 'Settings')) : null),
    h('div', { class: 'sidebar-scroll' },
      section('Channels', 'sec-channels', [
        h('button', { type: 'button', class: 'icon', 'aria-label': 'Browse channels', title: 'Browse channels', onclick: browseChannelsDialog }, icon('search')),
        guest ? null : h('button', { type: 'button', class: 'icon', 'aria-label': 'Create a channel', title: 'Create a channel', onclick: createChannelDialog }, icon('plus')),
      ], rooms.map(channelItem)),
      section('Direct messages', 'sec-direct', [
        h('button', { type: 'button', class: 'icon', 'aria-label': 'New direct message', title: 'New direct message', onclick: directMessageDialog }, icon('plus')),
      ], directs.map(channelItem))),
    footer);
}

export function renderHeader() {
  const header = document.getElementById('conv-header');
  const channel = state.channels.get(state.channelId);
  const menu = h('button', { type: 'button', class: 'icon menu-toggle', 'aria-label': 'Show conversations',
    'aria-expanded': String(state.sidebarOpen), 'aria-controls': 'sidebar', onclick: () => actions.setSidebar(!state.sidebarOpen) }, icon('menu'));
  if (!channel) {
    header.replaceChildren(menu, h('h1', { id: 'conv-title' }, currentWorkspace()?.name ?? 'Chat'));
    return;
  }
  const direct = isDirect(channel);
  const others = direct ? (channel.members ?? []).filter((m) => m.id !== state.me.id) : [];
  const title = direct ? displayName(channel)
    : channel.kind === 'private' ? [icon('lock', 'title-icon'), channel.name] : `#${channel.name}`;
  const panelKind = state.panel?.kind;
  header.replaceChildren(
    menu,
    h('div', { class: 'conv-title' },
      h('h1', { id: 'conv-title', 'data-testid': 'conversation-title' }, others.length === 1 ? presenceDot(others[0].id) : null, title,
        channel.archived ? h('span', { class: 'role-tag' }, 'archived') : null,
        channel.broadcast ? h('span', { class: 'role-tag' }, 'broadcast') : null),
      channel.topic ? h('p', { class: 'topic muted', 'data-testid': 'topic' }, channel.topic) : null),
    h('div', { class: 'conv-actions' },
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Files', title: 'Files', 'aria-pressed': String(panelKind === 'files'),
        'data-testid': 'files-button', onclick: () => (panelKind === 'files' ? actions.closePanel() : actions.openFiles('channel')) }, icon('folder')),
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Pinned messages', title: 'Pinned messages', 'aria-pressed': String(panelKind === 'pins'),
        onclick: () => (panelKind === 'pins' ? actions.closePanel() : actions.openPins()) }, icon('pin')),
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Members', title: 'Members', 'aria-pressed': String(panelKind === 'members'),
        onclick: () => (panelKind === 'members' ? actions.closePanel() : actions.openMembers()) }, icon('users')),
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Conversation details', title: 'Details',
        onclick: () => channelDetailsDialog(channel) }, icon('info'))));
}

export function renderComposer() {
  composer.update();
}
