// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// The side panel: a thread, the channel's members, or its pinned messages.

import * as actions from '../actions';
import { colorClass, h, initials, reconcile } from '../dom';
import { typingNames } from '../events';
import { icon } from '../icons';
import { pendingFor } from '../outbox';
import { invalidate } from '../render';
import { isAdmin, isDirect, state } from '../state';
import { reportError } from '../toast';
import { renderFiles } from './files';
import { makeComposer, messageCache, pendingNode, typingText } from './messages';
import { addChannelMembersDialog } from './people';

const rootNode = messageCache();
const replyNode = messageCache();
let threadComposer = null;
let threadTyping = null;
let shownKey = null;
let shownKind = null;

/** Files dropped on an open thread join its reply composer; null when no thread is open. */
export function threadDrop() {
  if (state.panel?.kind !== 'thread' || !threadComposer) return null;
  return { composer: threadComposer, label: 'Drop files to attach them to your reply in this thread' };
}

export function presenceDot(userId) {
  const status = state.presence.get(userId) ?? 'offline';
  return h('span', { class: `presence ${status}`, 'data-presence': status, 'data-presence-user': userId,
    role: 'img', 'aria-label': status, title: status });
}

export function renderPanel() {
  const panelEl = document.getElementById('panel');
  const panel = state.panel;
  // The header's Files / Pinned / Members buttons are pressed while their panel is open.
  if ((panel?.kind ?? null) !== shownKind) invalidate('header');
  shownKind = panel?.kind ?? null;
  panelEl.hidden = !panel;
  document.body.classList.toggle('panel-open', Boolean(panel));
  // The drop zone (see shell.js) stays through every render.
  const zone = panelEl.querySelector(':scope > .drop-zone');
  if (!panel) {
    reconcile(panelEl, [zone]);
    shownKey = null;
    return;
  }
  const key = `${panel.kind}:${panel.rootId ?? panel.channelId}`;
  const opening = key !== shownKey;
  shownKey = key;
  const title = { thread: 'Thread', members: 'Members', pins: 'Pinned messages', files: 'Files' }[panel.kind];
  let header = panelEl.querySelector('.panel-header');
  if (opening || !header) {
    header = h('header', { class: 'panel-header' },
      h('h2', { id: 'panel-title' }, title),
      h('button', { type: 'button', class: 'icon', 'aria-label': `Close ${title.toLowerCase()}`, onclick: actions.closePanel }, icon('x')));
    panelEl.setAttribute('aria-labelledby', 'panel-title');
  }
  let body = panelEl.querySelector('.panel-body');
  if (opening || !body) body = h('div', { class: 'panel-body' });
  let parts = [header, body];
  if (panel.kind === 'thread') parts.push(...renderThread(panel, body));
  else if (panel.kind === 'members') renderMembers(panel, body);
  else if (panel.kind === 'files') parts = [header, ...renderFiles(panel, body)];
  else renderPins(panel, body);
  reconcile(panelEl, [...parts, zone]);
  if (opening && panel.kind === 'thread') threadComposer?.box.focus();
}

function renderThread(panel, body) {
  const nodes = [];
  if (panel.root) {
    nodes.push(rootNode(panel.root, { inThread: true }));
    const count = panel.root.reply_count;
    nodes.push(h('div', { class: 'day-divider', role: 'separator' }, h('span', {}, count === 1 ? '1 reply' : `${count} replies`)));
  } else {
    nodes.push(h('p', { class: 'muted' }, 'Loading…'));
  }
  for (const reply of [...panel.replies.values()].sort((a, b) => a.id - b.id)) {
    const node = replyNode(reply, { inThread: true });
    node.classList.toggle('highlighted', reply.id === state.highlightId);
    nodes.push(node);
  }
  for (const item of pendingFor(panel.channelId, panel.rootId)) nodes.push(pendingNode(item));
  const atBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 60;
  reconcile(body, nodes);
  if (atBottom) body.scrollTop = body.scrollHeight;
  body.setAttribute('role', 'log');
  body.setAttribute('data-testid', 'thread');

  if (!threadComposer) {
    threadComposer = makeComposer({
      id: 'thread-composer', label: 'Reply in thread',
      target: () => (state.panel?.kind === 'thread' ? { channelId: state.panel.channelId, rootId: state.panel.rootId } : null),
    });
  }
  threadComposer.update();
  threadTyping ??= h('div', { class: 'typing', 'aria-live': 'polite' });
  threadTyping.textContent = typingText(typingNames(panel.channelId, panel.rootId));
  return [threadTyping, threadComposer.form];
}

function renderMembers(panel, body) {
  if (!panel.list) {
    body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  const channel = state.channels.get(panel.channelId);
  const room = channel && !isDirect(channel);
  // What this person may do here; the server checks again. Anyone in a channel may add people;
  // admins and the channel's creator remove them; admins pick who posts in a broadcast channel.
  const canAdd = room && !channel.archived && !channel.is_default;
  const canRemove = room && !channel.archived && !channel.is_default && (isAdmin() || channel.created_by === state.me.id);
  const choosesPosters = room && channel.broadcast && !channel.archived && isAdmin();
  const nodes = [];
  if (canAdd) {
    nodes.push(h('div', { class: 'panel-actions' },
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'add-channel-members',
        onclick: () => addChannelMembersDialog(channel, panel.list) }, icon('plus'), ' Add people')));
  }
  const act = (promise) => promise.catch(reportError);
  nodes.push(h('ul', { class: 'member-list', 'data-testid': 'member-list' },
    panel.list.map((m) => {
      const me = m.id === state.me.id;
      const posts = m.can_post || m.role === 'owner' || m.role === 'admin';
      return h('li', { class: 'member', 'data-user-id': m.id, 'data-testid': 'channel-member' },
        h('span', { class: `avatar small ${colorClass(m.id)}`, 'aria-hidden': 'true' }, initials(m.display_name)),
        presenceDot(m.id),
        h('div', { class: 'member-main' },
          h('div', { class: 'member-line' },
            h('span', { class: 'member-name' }, m.display_name, me ? ' (you)' : ''),
            m.role !== 'member' ? h('span', { class: 'role-tag' }, m.role) : null,
            channel?.broadcast && !choosesPosters && m.can_post && !isAdminRole(m.role) ? h('span', { class: 'role-tag' }, 'poster') : null),
          m.username ? h('div', { class: 'muted member-sub' }, `@${m.username}`) : null,
          choosesPosters && !isAdminRole(m.role)
            ? h('label', { class: 'can-post', title: 'May post in this broadcast channel' },
              h('input', { type: 'checkbox', checked: posts, 'aria-label': `${m.display_name} can post`, 'data-testid': 'can-post',
                onchange: (e) => act(actions.setCanPost(channel.id, m.id, e.target.checked)) }), 'Can post')
            : null),
        h('div', { class: 'member-actions' },
          me ? null
            : h('button', { type: 'button', class: 'link', 'aria-label': `Message ${m.display_name}`,
              onclick: () => actions.openDirect([m.id]).catch(reportError) }, 'Message'),
          canRemove && !me
            ? h('button', { type: 'button', class: 'link danger-link', 'aria-label': `Remove ${m.display_name} from #${channel.name}`,
              'data-testid': 'remove-member',
              onclick: () => act(actions.removeChannelMember(channel.id, m.id)) }, 'Remove')
            : null));
    })));
  body.replaceChildren(...nodes);
}

const isAdminRole = (role) => role === 'owner' || role === 'admin';

function renderPins(panel, body) {
  if (!panel.list) {
    body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    return;
  }
  if (!panel.list.length) {
    body.replaceChildren(h('p', { class: 'muted' }, 'Nothing is pinned yet. Pin a message from its Pin button in the message actions.'));
    return;
  }
  body.replaceChildren(h('ul', { class: 'pin-list', 'data-testid': 'pin-list' }, panel.list.map((m) => h('li', {},
    h('div', { class: 'message-meta' }, h('span', { class: 'author' }, m.author.display_name)),
    h('div', { class: 'message-body', html: m.html }),
    h('button', { type: 'button', class: 'link', onclick: () => actions.setPinned(m, false).then(() => actions.openPins()) }, 'Unpin')))));
}
