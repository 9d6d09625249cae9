// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// The message list, one message, and the composer (used by the channel and by the thread panel).
//
// Message text is shown only through the `html` the server rendered (escaped Markdown subset);
// anything else typed by people goes into the DOM as text nodes, never as HTML.

import * as actions from '../actions';
import { colorClass, dayLabel, formatFull, formatTime, h, initials, plural, reconcile } from '../dom';
import { typingNames } from '../events';
import { icon } from '../icons';
import { discard, pendingFor, retry } from '../outbox';
import { displayName, isAdmin, isDirect, sortedMessages, state } from '../state';
import { toast } from '../toast';
import { addFiles, attachmentsFor, formatSize, onUploadsChanged, removeAttachment, takeUploaded,
  uploading } from '../uploads';
import { fileList } from './files';

export const PALETTE = ['👍', '❤️', '😂', '🎉', '👀', '✅'];
const GROUP_MS = 5 * 60 * 1000;

// --- one message ----------------------------------------------------------------------------------

/** Nodes are rebuilt only when their message object (replaced on every update) or their
 *  editing state changes, so focus and open menus survive unrelated re-renders. */
export function messageCache() {
  const cache = new Map();
  return (message, options) => {
    const editing = state.editing?.id === message.id;
    const hit = cache.get(message.id);
    if (hit && hit.message === message && hit.editing === editing && hit.connected === state.connected) return hit.node;
    const node = messageNode(message, { ...options, editing });
    cache.set(message.id, { message, editing, node, connected: state.connected });
    return node;
  };
}

function messageNode(message, { inThread = false, editing = false } = {}) {
  const mine = message.author.id === state.me.id;
  const created = new Date(message.created_at);
  const node = h('article', {
    class: `message${mine ? ' mine' : ''}${message.deleted ? ' deleted' : ''}`,
    id: `${inThread ? 'reply' : 'msg'}-${message.id}`,
    'data-message-id': message.id, 'data-testid': 'message', tabindex: '-1',
    'aria-label': `${message.author.display_name}, ${formatTime(created)}`,
  },
  h('div', { class: `avatar ${colorClass(message.author.id)}`, 'aria-hidden': 'true' }, initials(message.author.display_name)),
  h('div', { class: 'message-main' },
    h('div', { class: 'message-meta' },
      h('span', { class: 'author' }, message.author.display_name),
      h('time', { datetime: message.created_at, title: formatFull(created) }, formatTime(created)),
      message.pinned ? h('span', { class: 'pin-flag' }, icon('pin'), 'pinned') : null),
    editing ? editForm(message) : messageBody(message),
    message.deleted ? null : fileList(message.files),
    message.edited_at && !message.deleted && !editing ? h('span', { class: 'edited', 'data-testid': 'edited' }, '(edited)') : null,
    reactionsRow(message),
    !inThread && !message.thread_root_id && message.reply_count > 0
      ? h('button', { type: 'button', class: 'thread-link', 'data-testid': 'thread-link',
        onclick: () => actions.openThread(message.id) },
      plural(message.reply_count, 'reply', 'replies'),
      message.last_reply_at ? h('span', { class: 'muted' }, ` · last ${formatTime(new Date(message.last_reply_at))}`) : null)
      : null),
  message.deleted || editing ? null : messageActions(message, { inThread, mine }));
  return node;
}

function messageBody(message) {
  if (message.deleted) return h('p', { class: 'message-body muted' }, 'This message was deleted.');
  if (!message.body && message.files?.length) return null;
  // Server-rendered, sanitized HTML (see chat/services/messages/rendering.py).
  const body = h('div', { class: 'message-body', html: message.html });
  for (const el of body.querySelectorAll(`.mention[data-user-id="${state.me.id}"]`)) el.dataset.me = '';
  return body;
}

function reactionsRow(message) {
  if (!message.reactions?.length) return null;
  return h('div', { class: 'reactions', 'aria-label': 'Reactions' },
    message.reactions.map((r) => {
      const mine = r.user_ids.includes(state.me.id);
      const who = r.user_ids.map((id) => (id === state.me.id ? 'you' : state.members.get(id)?.display_name ?? 'someone')).join(', ');
      return h('button', {
        type: 'button', class: `reaction${mine ? ' mine' : ''}`, 'aria-pressed': String(mine),
        'data-emoji': r.emoji, 'data-testid': 'reaction', title: `${r.emoji} by ${who}`,
        'aria-label': `${r.emoji} ${r.count}, ${mine ? 'remove your reaction' : 'add your reaction'}`,
        disabled: !state.connected, onclick: () => actions.toggleReaction(message, r.emoji),
      }, h('span', { 'aria-hidden': 'true' }, r.emoji), h('span', { class: 'count' }, String(r.count)));
    }));
}

function messageActions(message, { inThread, mine }) {
  const picker = h('details', { class: 'react-picker' },
    h('summary', { 'aria-label': 'Add reaction', title: 'Add reaction' }, icon('smile-plus')),
    h('div', { class: 'palette', role: 'group', 'aria-label': 'Pick a reaction' },
      PALETTE.map((emoji) => h('button', {
        type: 'button', 'aria-label': `React with ${emoji}`, 'data-emoji': emoji, disabled: !state.connected,
        onclick: () => {
          picker.open = false;
          actions.toggleReaction(message, emoji);
        },
      }, emoji))));
  picker.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && picker.open) {
      e.stopPropagation();
      picker.open = false;
      picker.querySelector('summary').focus();
    }
  });
  return h('div', { class: 'message-actions', role: 'toolbar', 'aria-label': 'Message actions' },
    picker,
    !inThread && !message.thread_root_id
      ? h('button', { type: 'button', 'aria-label': 'Reply in thread', title: 'Reply in thread', onclick: () => actions.openThread(message.id) }, icon('message-square'))
      : null,
    h('button', { type: 'button', 'aria-label': message.pinned ? 'Unpin' : 'Pin', title: message.pinned ? 'Unpin' : 'Pin',
      onclick: () => actions.setPinned(message, !message.pinned) }, icon('pin')),
    mine ? h('button', { type: 'button', 'aria-label': 'Edit message', title: 'Edit', onclick: () => beginEdit(message) }, icon('pencil')) : null,
    mine || isAdmin()
      ? h('button', { type: 'button', 'aria-label': 'Delete message', title: 'Delete', class: 'danger',
        onclick: () => { if (window.confirm('Delete this message?')) actions.deleteMessage(message.id); } }, icon('trash'))
      : null);
}

function beginEdit(message) {
  actions.startEditing(message);
  // The edit form is built by the render that startEditing scheduled, one microtask ahead.
  queueMicrotask(() => {
    const box = document.querySelector(`[data-message-id="${message.id}"] .edit-form textarea`);
    if (box) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  });
}

function editForm(message) {
  const box = h('textarea', { 'aria-label': 'Edit message', rows: 2, value: state.editing?.draft ?? message.body });
  const finish = () => {
    const composer = document.querySelector(message.thread_root_id ? '#thread-composer textarea' : '#composer textarea');
    composer?.focus();
  };
  const save = async () => {
    if (await actions.saveEdit(message.id, box.value)) finish();
  };
  box.addEventListener('input', () => actions.setEditDraft(box.value));
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      actions.cancelEditing();
      finish();
    }
  });
  return h('form', { class: 'edit-form', onsubmit: (e) => { e.preventDefault(); save(); } },
    box,
    h('div', { class: 'edit-buttons' },
      h('span', { class: 'muted' }, 'Enter to save, Escape to cancel'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { actions.cancelEditing(); finish(); } }, 'Cancel'),
      h('button', { type: 'submit', disabled: !state.connected }, 'Save')));
}

/** Messages the outbox still holds: shown greyed out until the server confirms them. */
export function pendingNode(item) {
  const failed = item.status === 'failed';
  return h('article', { class: `message pending${failed ? ' failed' : ''}`, 'data-testid': 'pending-message' },
    h('div', { class: `avatar ${colorClass(state.me.id)}`, 'aria-hidden': 'true' }, initials(state.me.display_name)),
    h('div', { class: 'message-main' },
      h('div', { class: 'message-meta' },
        h('span', { class: 'author' }, state.me.display_name),
        h('span', { class: 'muted', 'data-testid': 'pending-status' },
          failed ? `Not sent: ${item.error}` : item.status === 'sending' ? 'Sending…' : 'Waiting for connection…')),
      item.body ? h('p', { class: 'message-body plain' }, item.body) : null,
      item.files?.length ? h('ul', { class: 'pending-files muted' }, item.files.map((f) => h('li', {}, icon('paperclip'), ` ${f.name} · ${formatSize(f.size)}`))) : null,
      failed ? h('div', { class: 'edit-buttons' },
        h('button', { type: 'button', onclick: () => retry(item.client_msg_id) }, 'Retry'),
        h('button', { type: 'button', class: 'secondary', onclick: () => discard(item.client_msg_id) }, 'Discard')) : null));
}

// --- the channel's message list ------------------------------------------------------------------

const channelMessage = messageCache();
let shownChannel = null;
let firstShownId = null;

export function renderMessages() {
  const list = document.getElementById('messages');
  const channel = state.channels.get(state.channelId);
  if (!channel) {
    list.replaceChildren(h('div', { class: 'empty' }, state.workspaceId ? 'Pick a conversation.' : 'Create a workspace to get started.'));
    shownChannel = null;
    return;
  }
  const store = state.stores.get(channel.id);
  const switched = shownChannel !== channel.id;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const fromBottom = list.scrollHeight - list.scrollTop;

  const nodes = [];
  if (!store?.loaded || store.hasMore) {
    nodes.push(h('div', { class: 'history-edge muted', 'data-testid': 'history-loading' },
      store?.loading || !store?.loaded ? 'Loading…' : 'Scroll up for older messages'));
  } else {
    nodes.push(h('div', { class: 'history-edge', 'data-testid': 'history-start' },
      h('strong', {}, isDirect(channel) ? displayName(channel) : `#${channel.name}`),
      h('p', { class: 'muted' }, isDirect(channel) ? 'This is the start of your conversation.' : `This is the very beginning of #${channel.name}. ${channel.purpose || ''}`)));
  }
  const messages = store ? sortedMessages(store) : [];
  let previous = null;
  let dividerDone = false;
  for (const message of messages) {
    const date = new Date(message.created_at);
    if (!previous || new Date(previous.created_at).toDateString() !== date.toDateString()) {
      nodes.push(h('div', { class: 'day-divider', role: 'separator' }, h('span', {}, dayLabel(date))));
    }
    if (!dividerDone && store.readMarker != null && message.id > store.readMarker && message.author.id !== state.me.id) {
      nodes.push(h('div', { class: 'new-divider', role: 'separator', 'aria-label': 'New messages' }, h('span', {}, 'New')));
      dividerDone = true;
    }
    const node = channelMessage(message, {});
    const compact = previous && previous.author.id === message.author.id && !previous.deleted && !message.deleted
      && date - new Date(previous.created_at) < GROUP_MS && !nodes[nodes.length - 1].matches('.day-divider, .new-divider');
    node.classList.toggle('compact', Boolean(compact));
    node.classList.toggle('highlighted', message.id === state.highlightId);
    nodes.push(node);
    previous = message;
  }
  for (const item of pendingFor(channel.id)) nodes.push(pendingNode(item));
  reconcile(list, nodes);

  const firstId = messages[0]?.id ?? null;
  if (switched || atBottom) list.scrollTop = list.scrollHeight;
  else if (firstId !== firstShownId) list.scrollTop = list.scrollHeight - fromBottom; // older page prepended
  shownChannel = channel.id;
  firstShownId = firstId;
  maybeLoadOlder();
}

/** Load older history when the top is near (or the page does not fill the view yet). */
export function maybeLoadOlder() {
  const list = document.getElementById('messages');
  const store = state.stores.get(state.channelId);
  if (!store?.loaded || !store.hasMore || store.loading) return;
  if (list.scrollTop < 200) actions.loadOlder(state.channelId);
}

export function renderTyping() {
  const el = document.getElementById('typing');
  const names = state.channelId ? typingNames(state.channelId) : [];
  el.textContent = typingText(names);
}

export function typingText(names) {
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

// --- composer -------------------------------------------------------------------------------------

/** A message box bound to a conversation given by target() -> {channelId, rootId} | null.
 *  Files join the next message through the paperclip, a paste, or addFiles() (drops). */
export function makeComposer({ id, target, label }) {
  const box = h('textarea', { rows: 1, 'aria-label': 'Message', placeholder: 'Message', 'data-testid': `${id}-input` });
  const note = h('p', { class: 'composer-note muted', hidden: true });
  const send = h('button', { type: 'submit', class: 'send', 'aria-label': 'Send message' }, 'Send');
  const picker = h('input', { type: 'file', multiple: true, class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true',
    'data-testid': `${id}-file-input` });
  const attach = h('button', { type: 'button', class: 'icon attach', 'aria-label': 'Attach files', title: 'Attach files',
    onclick: () => picker.click() }, icon('paperclip'));
  const attachments = h('ul', { class: 'attachments', 'aria-label': 'Files to send', 'data-testid': `${id}-attachments`, hidden: true });
  // Progress bars are not announced as they move: this live region says when an upload starts,
  // passes each quarter and finishes (failures are alerts in their row).
  const uploadStatus = h('p', { class: 'visually-hidden', role: 'status', 'data-testid': `${id}-upload-status` });
  const form = h('form', { id, class: 'composer', 'aria-label': label },
    uploadStatus,
    attachments,
    h('div', { class: 'composer-row' }, attach, picker, box, send),
    note,
    h('p', { class: 'composer-hint muted' }, 'Enter to send · Shift+Enter for a new line · Up arrow to edit your last message · drop or paste files to attach'));
  let key = null;
  const rows = new Map(); // upload key -> {node, progress, percent, shape, quarter}

  const keyOf = (t) => (t ? `${t.channelId}:${t.rootId ?? ''}` : null);
  const grow = () => {
    box.classList.toggle('tall', box.value.split('\n').length > 1 || box.scrollHeight > 48);
  };
  const takeFiles = (files) => {
    const t = target();
    if (!t || box.disabled || !files?.length) return;
    for (const problem of addFiles(keyOf(t), t.channelId, files)) toast(problem);
  };
  const submit = () => {
    const t = target();
    if (!t) return;
    const list = attachmentsFor(key);
    if (uploading(key)) {
      toast('Files are still uploading: send when they are ready, or cancel them.', 'info');
      return;
    }
    const hasFiles = list.some((a) => a.status === 'done');
    if (!box.value.trim() && !hasFiles) return;
    actions.sendMessage(t.channelId, box.value, t.rootId ?? null, takeUploaded(key));
    actions.typingStopped(t.channelId, t.rootId ?? null);
    box.value = '';
    actions.setDraft(key, '');
    grow();
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  picker.addEventListener('change', () => {
    takeFiles([...picker.files]);
    picker.value = '';
    box.focus();
  });
  box.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length) return;
    e.preventDefault();
    takeFiles(files);
  });
  box.addEventListener('input', () => {
    const t = target();
    actions.setDraft(key, box.value);
    grow();
    if (t && box.value.trim()) actions.typingStarted(t.channelId, t.rootId ?? null);
  });
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'ArrowUp' && !box.value) {
      const last = lastOwnMessage(target());
      if (last) {
        e.preventDefault();
        beginEdit(last);
      }
    } else if (e.key === 'Escape' && state.editing) {
      e.preventDefault();
      actions.cancelEditing();
    }
  });

  /** One row per upload; `news` collects what the live region should say after this render. */
  function attachmentRow(item, news) {
    const thumb = item.file?.preview?.thumbnail_url ?? null;
    const shape = `${item.status}:${thumb}:${item.error}`;
    const known = rows.get(item.key);
    const quarter = Math.floor(item.progress / 25);
    if (news) {
      if (!known && item.status === 'uploading') news.push(`Uploading ${item.name}`);
      else if (known?.status === 'uploading' && item.status === 'done') news.push(`${item.name} uploaded, ready to send`);
      else if (known && item.status === 'uploading' && quarter > known.quarter && quarter < 4) news.push(`${item.name} ${item.progress}% uploaded`);
    }
    if (known && known.shape === shape) {
      if (known.progress) {
        known.progress.value = item.progress;
        known.percent.textContent = `${item.progress}%`;
        known.quarter = quarter;
      }
      return known.node;
    }
    const uploadingNow = item.status === 'uploading';
    const progress = uploadingNow ? h('progress', { max: 100, value: item.progress, 'aria-label': `Uploading ${item.name}` }) : null;
    const percent = uploadingNow ? h('span', { class: 'muted attachment-status', 'aria-hidden': 'true' }, `${item.progress}%`) : null;
    const node = h('li', { class: `attachment ${item.status}`, 'data-testid': 'attachment', 'data-status': item.status },
      thumb ? h('img', { class: 'attachment-thumb', src: thumb, alt: '' }) : icon('file', 'file-icon'),
      h('span', { class: 'attachment-main' },
        h('span', { class: 'attachment-name' }, item.name),
        h('span', { class: 'muted' }, ` ${formatSize(item.size)}`),
        progress,
        percent,
        item.status === 'failed' ? h('span', { class: 'attachment-error', role: 'alert' }, item.error) : null),
      h('button', { type: 'button', class: 'icon', 'aria-label': uploadingNow ? `Cancel upload of ${item.name}` : `Remove ${item.name}`,
        title: uploadingNow ? 'Cancel upload' : 'Remove',
        onclick: () => {
          removeAttachment(key, item.key);
          uploadStatus.textContent = uploadingNow ? `Upload of ${item.name} cancelled` : `${item.name} removed`;
          box.focus();
        } }, icon('x')));
    rows.set(item.key, { node, progress, percent, shape, status: item.status, quarter });
    return node;
  }

  /** announce: false when the rows are rebuilt for another conversation (nothing new happened). */
  function renderAttachments(announce = true) {
    const list = attachmentsFor(key);
    for (const k of rows.keys()) if (!list.some((a) => a.key === k)) rows.delete(k);
    attachments.hidden = !list.length;
    const news = announce ? [] : null;
    reconcile(attachments, list.map((item) => attachmentRow(item, news)));
    if (news?.length) uploadStatus.textContent = news.join('. ');
  }
  onUploadsChanged(() => renderAttachments());

  function update() {
    const t = target();
    const newKey = keyOf(t);
    if (newKey !== key) {
      key = newKey;
      box.value = state.drafts.get(key) ?? '';
      grow();
      rows.clear();
      renderAttachments(false);
    }
    const channel = t && state.channels.get(t.channelId);
    let reason = null;
    if (!channel) reason = 'Pick a conversation';
    else if (channel.archived) reason = 'This channel is archived.';
    else if (channel.broadcast && !channel.can_post && !isAdmin()) reason = 'Only admins and chosen people post in this broadcast channel.';
    box.disabled = Boolean(reason);
    send.disabled = Boolean(reason);
    attach.disabled = Boolean(reason);
    note.hidden = !reason || !channel;
    note.textContent = reason ?? '';
    const where = channel ? (t.rootId ? 'Reply in thread' : `Message ${isDirect(channel) ? displayName(channel) : `#${channel.name}`}`) : 'Message';
    box.placeholder = where;
    box.setAttribute('aria-label', where);
  }

  return { form, box, update, addFiles: takeFiles };
}

const carriesFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');

/** Files dragged over `area` join the next message of a composer. pick() says which and names the
 *  place for the drop zone: {composer, label}, composer null when files cannot go anywhere from
 *  here. Returns the zone, shown over the area while files hover it, for the caller to place
 *  inside `area` (a positioned box). */
export function dropTarget(area, testid, pick) {
  const text = h('span', { 'data-testid': `${testid}-text` }, 'Drop files to attach them');
  const zone = h('div', { class: 'drop-zone', 'data-testid': testid, hidden: true, 'aria-hidden': 'true' },
    h('div', { class: 'drop-zone-inner' }, icon('upload', 'drop-zone-icon'), text));
  const hide = () => { zone.hidden = true; };
  area.addEventListener('dragenter', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    text.textContent = pick().label;
    zone.hidden = false;
  });
  area.addEventListener('dragover', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault(); // allows the drop
    const { composer } = pick();
    e.dataTransfer.dropEffect = composer && !composer.box.disabled ? 'copy' : 'none';
    zone.hidden = false;
  });
  // The zone covers the area while shown: leaving it means leaving the area.
  zone.addEventListener('dragleave', (e) => { if (e.target === zone && !zone.contains(e.relatedTarget)) hide(); });
  area.addEventListener('drop', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    hide();
    const { composer } = pick();
    if (!composer) return;
    composer.addFiles([...e.dataTransfer.files]);
    composer.box.focus();
  });
  document.addEventListener('dragend', hide);
  return zone;
}

function lastOwnMessage(t) {
  if (!t) return null;
  let candidates = [];
  if (t.rootId) {
    const panel = state.panel;
    if (panel?.kind === 'thread' && panel.rootId === t.rootId) candidates = [...panel.replies.values()];
  } else {
    const store = state.stores.get(t.channelId);
    candidates = store ? [...store.messages.values()] : [];
  }
  return candidates.filter((m) => m.author.id === state.me.id && !m.deleted).sort((a, b) => b.id - a.id)[0] ?? null;
}
