// The message list and one message (used by the channel and by the thread panel).
//
// Message text is shown only through the `html` the server rendered (escaped Markdown subset);
// anything else typed by people goes into the DOM as text nodes, never as HTML.

import type { JSX } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Message } from '../../api/types';
import { colorClass, dayLabel, formatFull, formatTime, initials, plural } from '../../shared/dom';
import { Icon } from '../../shared/icons';
import * as actions from '../actions';
import { createdAt, interleave, isEphemeral } from '../commands';
import { typingNames } from '../events';
import { groupMessages } from '../grouping';
import { discard, type OutboxItem, pendingFor, retry } from '../outbox';
import { displayName, ephemeralIn, isAdmin, isDirect, type MessageStore, type ShownEphemeral, sortedMessages, state } from '../state';
import { formatSize } from '../uploads';
import { FileList } from './files';
import { memo } from './memo';

export const PALETTE = ['👍', '❤️', '😂', '🎉', '👀', '✅'];

// --- one message ----------------------------------------------------------------------------------

function MessageBody({ message }: { message: Message }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    for (const el of ref.current?.querySelectorAll<HTMLElement>(`.mention[data-user-id="${state.me.id}"]`) ?? []) el.dataset.me = '';
  }, [message.html]);
  if (message.deleted) return <p class="message-body muted">This message was deleted.</p>;
  if (!message.body && message.files?.length) return null;
  // Server-rendered, sanitized HTML (see chat/services/messages/rendering.py). A /me message
  // (props.subtype me_message) reads as an action, in italics.
  const action = message.props?.subtype === 'me_message';
  return <div ref={ref} class={`message-body${action ? ' me-message' : ''}`} data-testid={action ? 'me-message' : undefined}
    dangerouslySetInnerHTML={{ __html: message.html }} />;
}

function Reactions({ message, connected }: { message: Message; connected: boolean }) {
  if (!message.reactions?.length) return null;
  return (
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: kept as it was: app.css and the browser tests rely on this markup
    <div class="reactions" aria-label="Reactions">
      {message.reactions.map((r) => {
        const mine = r.user_ids.includes(state.me.id);
        const who = r.user_ids.map((id) => (id === state.me.id ? 'you' : state.members.get(id)?.display_name ?? 'someone')).join(', ');
        return (
          <button key={r.emoji} type="button" class={`reaction${mine ? ' mine' : ''}`} aria-pressed={mine ? 'true' : 'false'}
            data-emoji={r.emoji} data-testid="reaction" title={`${r.emoji} by ${who}`}
            aria-label={`${r.emoji} ${r.count}, ${mine ? 'remove your reaction' : 'add your reaction'}`}
            disabled={!connected} onClick={() => actions.toggleReaction(message, r.emoji)}>
            <span aria-hidden="true">{r.emoji}</span><span class="count">{String(r.count)}</span>
          </button>
        );
      })}
    </div>
  );
}

function ReactionPicker({ message, connected }: { message: Message; connected: boolean }) {
  const picker = useRef<HTMLDetailsElement>(null);
  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLDetailsElement>) => {
    const el = e.currentTarget;
    if (e.key === 'Escape' && el.open) {
      e.stopPropagation();
      el.open = false;
      el.querySelector('summary')?.focus();
    }
  };
  return (
    <details ref={picker} class="react-picker" onKeyDown={onKeyDown}>
      <summary aria-label="Add reaction" title="Add reaction"><Icon name="smile-plus" /></summary>
      {/* biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup */}
      <div class="palette" role="group" aria-label="Pick a reaction">
        {PALETTE.map((emoji) => (
          <button key={emoji} type="button" aria-label={`React with ${emoji}`} data-emoji={emoji} disabled={!connected}
            onClick={() => {
              if (picker.current) picker.current.open = false;
              actions.toggleReaction(message, emoji);
            }}>{emoji}</button>
        ))}
      </div>
    </details>
  );
}

function MessageActions({ message, inThread, mine, connected }: { message: Message; inThread: boolean; mine: boolean; connected: boolean }) {
  return (
    <div class="message-actions" role="toolbar" aria-label="Message actions">
      <ReactionPicker message={message} connected={connected} />
      {!inThread && !message.thread_root_id
        ? <button type="button" aria-label="Reply in thread" title="Reply in thread" onClick={() => actions.openThread(message.id)}><Icon name="message-square" /></button>
        : null}
      <button type="button" aria-label={message.pinned ? 'Unpin' : 'Pin'} title={message.pinned ? 'Unpin' : 'Pin'}
        onClick={() => actions.setPinned(message, !message.pinned)}><Icon name="pin" /></button>
      {mine ? <button type="button" aria-label="Edit message" title="Edit" onClick={() => beginEdit(message)}><Icon name="pencil" /></button> : null}
      {mine || isAdmin()
        ? (
          <button type="button" aria-label="Delete message" title="Delete" class="danger"
            onClick={() => { if (window.confirm('Delete this message?')) actions.deleteMessage(message.id); }}><Icon name="trash" /></button>
        )
        : null}
    </div>
  );
}

export function beginEdit(message: Message): void {
  actions.startEditing(message);
  // The edit form is built by the render that startEditing scheduled, one microtask ahead.
  queueMicrotask(() => {
    const box = document.querySelector<HTMLTextAreaElement>(`[data-message-id="${message.id}"] .edit-form textarea`);
    if (box) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  });
}

function EditForm({ message, connected }: { message: Message; connected: boolean }) {
  const box = useRef<HTMLTextAreaElement>(null);
  const finish = () => {
    document.querySelector<HTMLTextAreaElement>(message.thread_root_id ? '#thread-composer textarea' : '#composer textarea')?.focus();
  };
  const save = async () => {
    if (await actions.saveEdit(message.id, box.current?.value ?? '')) finish();
  };
  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      actions.cancelEditing();
      finish();
    }
  };
  return (
    <form class="edit-form" onSubmit={(e) => { e.preventDefault(); save(); }}>
      <textarea ref={box} aria-label="Edit message" rows={2} value={state.editing?.draft ?? message.body}
        onInput={(e) => actions.setEditDraft(e.currentTarget.value)} onKeyDown={onKeyDown} />
      <div class="edit-buttons">
        <span class="muted">Enter to save, Escape to cancel</span>
        <button type="button" class="secondary" onClick={() => { actions.cancelEditing(); finish(); }}>Cancel</button>
        <button type="submit" disabled={!connected}>Save</button>
      </div>
    </form>
  );
}

/** The name a message shows: an integration's display override (a webhook post's `username`),
 *  else its author's. The BOT tag still says what posted it. */
export function shownName(message: Message): string {
  return message.props?.username ?? message.author.display_name;
}

/** The author's initials on their colour; an integration's icon over them when it has one,
 *  through the server's image proxy (the page loads images from its own origin only); an icon
 *  that fails to load is hidden and the initials show. */
function AuthorAvatar({ message }: { message: Message }) {
  const name = shownName(message);
  const icon = message.props?.icon_proxy_url;
  const emoji = message.props?.icon_emoji;
  return (
    <div class={`avatar ${colorClass(message.author.id)}`} aria-hidden="true" title={emoji ?? undefined}>
      {initials(name)}
      {icon
        ? <img class="avatar-icon" src={icon} alt="" loading="lazy" referrerPolicy="no-referrer"
            onError={(e) => { e.currentTarget.hidden = true; }} />
        : null}
    </div>
  );
}

export interface MessageProps {
  message: Message;
  inThread: boolean;
  editing: boolean;
  connected: boolean;
  compact: boolean;
  highlighted: boolean;
}

/** One message. Re-rendered only when its message object (replaced on every update), its editing
 *  state, the connection or its place in a group change, so focus and open menus survive
 *  unrelated re-renders. */
export const MessageView = memo(function MessageView({ message, inThread, editing, connected, compact, highlighted }: MessageProps) {
  const mine = message.author.id === state.me.id;
  const created = new Date(message.created_at);
  const classes = ['message'];
  if (mine) classes.push('mine');
  if (message.deleted) classes.push('deleted');
  if (compact) classes.push('compact');
  if (highlighted) classes.push('highlighted');
  return (
    <article class={classes.join(' ')} id={`${inThread ? 'reply' : 'msg'}-${message.id}`}
      data-message-id={message.id} data-testid="message" tabIndex={-1}
      aria-label={`${shownName(message)}, ${formatTime(created)}`}>
      <AuthorAvatar message={message} />
      <div class="message-main">
        <div class="message-meta">
          <span class="author" data-testid="author" title={shownName(message) === message.author.display_name
            ? undefined : `posted by ${message.author.display_name} (@${message.author.username})`}>{shownName(message)}</span>
          {message.author.is_bot ? <span class="role-tag" data-testid="bot-tag" title="A bot, not a person">bot</span> : null}
          <time dateTime={message.created_at} title={formatFull(created)}>{formatTime(created)}</time>
          {message.pinned ? <span class="pin-flag"><Icon name="pin" />pinned</span> : null}
        </div>
        {editing ? <EditForm message={message} connected={connected} /> : <MessageBody message={message} />}
        {message.deleted ? null : <FileList files={message.files} />}
        {message.edited_at && !message.deleted && !editing ? <span class="edited" data-testid="edited">(edited)</span> : null}
        <Reactions message={message} connected={connected} />
        {!inThread && !message.thread_root_id && message.reply_count > 0
          ? (
            <button type="button" class="thread-link" data-testid="thread-link" onClick={() => actions.openThread(message.id)}>
              {plural(message.reply_count, 'reply', 'replies')}
              {message.last_reply_at ? <span class="muted">{` · last ${formatTime(new Date(message.last_reply_at))}`}</span> : null}
            </button>
          )
          : null}
      </div>
      {message.deleted || editing ? null : <MessageActions message={message} inThread={inThread} mine={mine} connected={connected} />}
    </article>
  );
});

/** A message as the channel or a thread shows it, with the state it depends on read here. */
export function messageProps(message: Message, inThread: boolean, compact = false): MessageProps {
  return {
    message, inThread, compact, editing: state.editing?.id === message.id,
    connected: state.connected, highlighted: message.id === state.highlightId,
  };
}

/** A message shown to me alone (a slash command's answer or note, a bot's ephemeral message):
 *  never stored, so gone on reload, or when I dismiss it. Its author is the bot or command
 *  (none: the server itself). Its html is the server's, rendered and sanitized as a message's; a
 *  note the client made itself (`local`) shows its text as text. */
export const EphemeralView = memo(function EphemeralView({ message }: { message: ShownEphemeral }) {
  const author = message.author;
  const name = author?.display_name ?? 'Chat';
  const created = new Date(message.created_at);
  return (
    <article class="message ephemeral" data-testid="ephemeral-message" data-ephemeral-id={message.id}
      aria-label={`${name}, only visible to you, ${formatTime(created)}`}>
      <div class={`avatar ${author ? colorClass(author.id) : 'system'}`} aria-hidden="true">
        {author ? initials(name) : <Icon name="info" />}
      </div>
      <div class="message-main">
        <div class="message-meta">
          <span class="author" data-testid="author">{name}</span>
          {author?.is_bot ? <span class="role-tag" data-testid="bot-tag" title="A bot, not a person">bot</span> : null}
          <time dateTime={message.created_at} title={formatFull(created)}>{formatTime(created)}</time>
        </div>
        {message.local
          ? <p class="message-body plain">{message.body}</p>
          : <div class="message-body" dangerouslySetInnerHTML={{ __html: message.html }} />}
        <p class="ephemeral-note muted">
          <Icon name="info" /><span data-testid="only-visible">Only visible to you</span>
          <button type="button" class="link" data-testid="dismiss-ephemeral"
            onClick={() => actions.dismissEphemeral(message.channel_id, message.id)}>Dismiss</button>
        </p>
      </div>
    </article>
  );
});

/** Messages the outbox still holds: shown greyed out until the server confirms them. */
export function PendingMessage({ item }: { item: OutboxItem }) {
  const failed = item.status === 'failed';
  return (
    <article class={`message pending${failed ? ' failed' : ''}`} data-testid="pending-message">
      <div class={`avatar ${colorClass(state.me.id)}`} aria-hidden="true">{initials(state.me.display_name)}</div>
      <div class="message-main">
        <div class="message-meta">
          <span class="author">{state.me.display_name}</span>
          <span class="muted" data-testid="pending-status">
            {failed ? `Not sent: ${item.error}` : item.status === 'sending' ? 'Sending…' : 'Waiting for connection…'}
          </span>
        </div>
        {item.body ? <p class="message-body plain">{item.body}</p> : null}
        {item.files?.length
          ? (
            <ul class="pending-files muted">
              {item.files.map((f, i) => <li key={i}><Icon name="paperclip" />{` ${f.name} · ${formatSize(f.size)}`}</li>)}
            </ul>
          )
          : null}
        {failed
          ? (
            <div class="edit-buttons">
              <button type="button" onClick={() => retry(item.client_msg_id)}>Retry</button>
              <button type="button" class="secondary" onClick={() => discard(item.client_msg_id)}>Discard</button>
            </div>
          )
          : null}
      </div>
    </article>
  );
}

export const pendingItems = (channelId: number | null, rootId: number | null = null): OutboxItem[] =>
  channelId === null ? [] : pendingFor(channelId, rootId);

// --- the channel's message list ------------------------------------------------------------------

let shownChannel: number | null = null;
let firstShownId: number | null = null;

function HistoryEdge({ channelId, store }: { channelId: number; store: MessageStore | undefined }) {
  const channel = state.channels.get(channelId);
  if (!channel) return null;
  if (!store?.loaded || store.hasMore) {
    return (
      <div class="history-edge muted" data-testid="history-loading">
        {store?.loading || !store?.loaded ? 'Loading…' : 'Scroll up for older messages'}
      </div>
    );
  }
  return (
    <div class="history-edge" data-testid="history-start">
      <strong>{isDirect(channel) ? displayName(channel) : `#${channel.name}`}</strong>
      <p class="muted">{isDirect(channel) ? 'This is the start of your conversation.' : `This is the very beginning of #${channel.name}. ${channel.purpose || ''}`}</p>
    </div>
  );
}

/** The 'messages' region: the current channel's history, kept at the bottom as messages arrive
 *  and anchored when an older page is prepended. */
export function MessageList() {
  const ref = useRef<HTMLDivElement>(null);
  const channel = state.channelId === null ? undefined : state.channels.get(state.channelId);
  // Measured before this render changes the list.
  const list = ref.current;
  const atBottom = list ? list.scrollHeight - list.scrollTop - list.clientHeight < 60 : true;
  const fromBottom = list ? list.scrollHeight - list.scrollTop : 0;
  const store = channel ? state.stores.get(channel.id) : undefined;
  const messages = store ? sortedMessages(store) : [];

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!channel) {
      shownChannel = null;
      return;
    }
    const switched = shownChannel !== channel.id;
    const firstId = messages[0]?.id ?? null;
    if (switched || atBottom) el.scrollTop = el.scrollHeight;
    else if (firstId !== firstShownId) el.scrollTop = el.scrollHeight - fromBottom; // older page prepended
    shownChannel = channel.id;
    firstShownId = firstId;
    maybeLoadOlder();
  });

  let content: JSX.Element | JSX.Element[];
  if (!channel) {
    content = <div class="empty">{state.workspaceId ? 'Pick a conversation.' : 'Create a workspace to get started.'}</div>;
  } else {
    content = [<HistoryEdge key="edge" channelId={channel.id} store={store} />];
    const items = interleave(groupMessages(messages, store?.readMarker, state.me.id), ephemeralIn(channel.id),
      (item) => (item.kind === 'message' ? createdAt(item.message) : null));
    for (const item of items) {
      if (isEphemeral(item)) {
        content.push(<EphemeralView key={`e-${item.id}`} message={item} />);
      } else if (item.kind === 'day') {
        // biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup
        content.push(<div key={item.key} class="day-divider" role="separator"><span>{dayLabel(item.date)}</span></div>);
      } else if (item.kind === 'new') {
        // biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup
        content.push(<div key="new" class="new-divider" role="separator" aria-label="New messages"><span>New</span></div>);
      } else {
        content.push(<MessageView key={item.key} {...messageProps(item.message, false, item.compact)} />);
      }
    }
    for (const item of pendingItems(channel.id)) content.push(<PendingMessage key={`p-${item.client_msg_id}`} item={item} />);
  }
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: kept as it was: app.css and the browser tests rely on this markup (the log scrolls by keyboard)
    <div ref={ref} id="messages" class="message-list" role="log" aria-label="Messages" tabIndex={0} onScroll={maybeLoadOlder}>
      {content}
    </div>
  );
}

/** Load older history when the top is near (or the page does not fill the view yet). */
export function maybeLoadOlder(): void {
  const list = document.getElementById('messages');
  const store = state.channelId === null ? undefined : state.stores.get(state.channelId);
  if (!list || state.channelId === null || !store?.loaded || !store.hasMore || store.loading) return;
  if (list.scrollTop < 200) actions.loadOlder(state.channelId);
}

export function typingText(names: string[]): string {
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

/** The 'typing' region under the channel's messages. */
export function TypingLine() {
  const names: string[] = state.channelId ? typingNames(state.channelId) : [];
  return <div id="typing" class="typing" aria-live="polite" data-testid="typing">{typingText(names)}</div>;
}
