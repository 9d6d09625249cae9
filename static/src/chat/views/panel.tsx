// The side panel: a thread, the channel's members, its pinned messages, or files.

import type { JSX } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { colorClass, initials } from '../../shared/dom';
import { Icon } from '../../shared/icons';
import { reportError } from '../../shared/toast';
import * as actions from '../actions';
import { createdAt, interleave, isEphemeral } from '../commands';
import { typingNames } from '../events';
import { invalidate } from '../render';
import { ephemeralIn, isAdmin, isDirect, type MembersPanel, type Panel, type PinsPanel, state, type ThreadPanel } from '../state';
import { Composer, composerHandle, type DropChoice, type Target, useDropTarget } from './composer';
import { FilesPanelView } from './files';
import { EphemeralView, MessageView, messageProps, PendingMessage, pendingItems, typingText } from './messages';
import { addChannelMembersDialog } from './people';

const threadTarget = (): Target | null =>
  (state.panel?.kind === 'thread' && state.panel.channelId !== null ? { channelId: state.panel.channelId, rootId: state.panel.rootId } : null);

/** Files dropped on an open thread join its reply composer; null when no thread is open. */
export function threadDrop(): DropChoice | null {
  const composer = composerHandle('thread-composer');
  if (state.panel?.kind !== 'thread' || !composer) return null;
  return { composer, label: 'Drop files to attach them to your reply in this thread' };
}

export function PresenceDot({ userId }: { userId: number }) {
  const status = state.presence.get(userId) ?? 'offline';
  return <span class={`presence ${status}`} data-presence={status} data-presence-user={userId} role="img" aria-label={status} title={status} />;
}

const TITLES: Record<Panel['kind'], string> = { thread: 'Thread', members: 'Members', pins: 'Pinned messages', files: 'Files' };

function ThreadView({ panel }: { panel: ThreadPanel }) {
  const body = useRef<HTMLDivElement>(null);
  const el = body.current;
  const atBottom = el ? el.scrollHeight - el.scrollTop - el.clientHeight < 60 : true;
  useLayoutEffect(() => {
    if (atBottom && body.current) body.current.scrollTop = body.current.scrollHeight;
  });
  const count = panel.root?.reply_count ?? 0;
  const replies = [...panel.replies.values()].sort((a, b) => a.id - b.id);
  return (
    <>
      <div ref={body} class="panel-body" role="log" data-testid="thread">
        {panel.root
          ? [
            <MessageView key={`m-${panel.root.id}`} {...messageProps(panel.root, true)} highlighted={false} />,
            // biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup
            <div key="count" class="day-divider" role="separator"><span>{count === 1 ? '1 reply' : `${count} replies`}</span></div>,
          ]
          : <p key="loading" class="muted">Loading…</p>}
        {interleave(replies, ephemeralIn(panel.channelId, panel.rootId), createdAt).map((item) => (isEphemeral(item)
          ? <EphemeralView key={`e-${item.id}`} message={item} />
          : <MessageView key={`m-${item.id}`} {...messageProps(item, true)} />))}
        {pendingItems(panel.channelId, panel.rootId).map((item) => <PendingMessage key={`p-${item.client_msg_id}`} item={item} />)}
      </div>
      <div class="typing" aria-live="polite">{panel.channelId === null ? '' : typingText(typingNames(panel.channelId, panel.rootId))}</div>
      <Composer id="thread-composer" label="Reply in thread" target={threadTarget} />
    </>
  );
}

const isAdminRole = (role: string): boolean => role === 'owner' || role === 'admin';

function MembersView({ panel }: { panel: MembersPanel }) {
  if (!panel.list) return <div class="panel-body"><p class="muted">Loading…</p></div>;
  const list = panel.list;
  const channel = panel.channelId === null ? undefined : state.channels.get(panel.channelId);
  const room = channel && !isDirect(channel) ? channel : null;
  // What this person may do here; the server checks again. Anyone in a channel may add people;
  // admins and the channel's creator remove them; admins pick who posts in a broadcast channel.
  const canAdd = room && !room.archived && !room.is_default;
  const canRemove = room && !room.archived && !room.is_default && (isAdmin() || room.created_by === state.me.id);
  const choosesPosters = Boolean(room?.broadcast && !room.archived && isAdmin());
  const act = (promise: Promise<unknown>) => promise.catch(reportError);
  return (
    <div class="panel-body">
      {canAdd
        ? (
          <div class="panel-actions">
            <button type="button" class="secondary" data-testid="add-channel-members"
              onClick={() => addChannelMembersDialog(room, list)}><Icon name="plus" />{' Add people'}</button>
          </div>
        )
        : null}
      <ul class="member-list" data-testid="member-list">
        {list.map((m) => {
          const me = m.id === state.me.id;
          const posts = Boolean(m.can_post) || m.role === 'owner' || m.role === 'admin';
          return (
            <li key={m.id} class="member" data-user-id={m.id} data-testid="channel-member">
              <span class={`avatar small ${colorClass(m.id)}`} aria-hidden="true">{initials(m.display_name)}</span>
              <PresenceDot userId={m.id} />
              <div class="member-main">
                <div class="member-line">
                  <span class="member-name">{m.display_name}{me ? ' (you)' : ''}</span>
                  {m.is_bot ? <span class="role-tag" data-testid="bot-tag" title="A bot, not a person">bot</span> : null}
                  {m.role !== 'member' ? <span class="role-tag">{m.role}</span> : null}
                  {channel?.broadcast && !choosesPosters && m.can_post && !isAdminRole(m.role) ? <span class="role-tag">poster</span> : null}
                </div>
                {m.username ? <div class="muted member-sub">{`@${m.username}`}</div> : null}
                {room && choosesPosters && !isAdminRole(m.role)
                  ? (
                    <label class="can-post" title="May post in this broadcast channel">
                      <input type="checkbox" checked={posts} aria-label={`${m.display_name} can post`} data-testid="can-post"
                        onChange={(e: JSX.TargetedEvent<HTMLInputElement>) => act(actions.setCanPost(room.id, m.id, e.currentTarget.checked))} />
                      Can post
                    </label>
                  )
                  : null}
              </div>
              <div class="member-actions">
                {me ? null : (
                  <button type="button" class="link" aria-label={`Message ${m.display_name}`}
                    onClick={() => actions.openDirect([m.id]).catch(reportError)}>Message</button>
                )}
                {room && canRemove && !me
                  ? (
                    <button type="button" class="link danger-link" aria-label={`Remove ${m.display_name} from #${room.name}`}
                      data-testid="remove-member" onClick={() => act(actions.removeChannelMember(room.id, m.id))}>Remove</button>
                  )
                  : null}
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function PinsView({ panel }: { panel: PinsPanel }) {
  if (!panel.list) return <div class="panel-body"><p class="muted">Loading…</p></div>;
  if (!panel.list.length) {
    return <div class="panel-body"><p class="muted">Nothing is pinned yet. Pin a message from its Pin button in the message actions.</p></div>;
  }
  return (
    <div class="panel-body">
      <ul class="pin-list" data-testid="pin-list">
        {panel.list.map((m) => (
          <li key={m.id}>
            <div class="message-meta"><span class="author">{m.author.display_name}</span></div>
            <div class="message-body" dangerouslySetInnerHTML={{ __html: m.html }} />
            <button type="button" class="link" onClick={() => actions.setPinned(m, false).then(() => actions.openPins())}>Unpin</button>
          </li>
        ))}
      </ul>
    </div>
  );
}

let shownKind: Panel['kind'] | null = null;
let shownKey: string | null = null;
/** The panel stays labelled by its last title once one has been shown (as it always was). */
let everOpened = false;

/** The 'panel' region. channelDrop: where files dropped on a panel other than a thread go. */
export function SidePanel({ channelDrop }: { channelDrop: () => DropChoice }) {
  const panel = state.panel;
  const { area, zone } = useDropTarget('panel-drop-zone', () => threadDrop() ?? channelDrop());
  const key = panel ? `${panel.kind}:${panel.kind === 'thread' ? panel.rootId : panel.channelId}` : null;
  const opening = key !== shownKey;
  everOpened ||= Boolean(panel);
  useLayoutEffect(() => {
    // The header's Files / Pinned / Members buttons are pressed while their panel is open.
    if ((panel?.kind ?? null) !== shownKind) invalidate('header');
    shownKind = panel?.kind ?? null;
    shownKey = key;
    document.body.classList.toggle('panel-open', Boolean(panel));
    if (opening && panel?.kind === 'thread') composerHandle('thread-composer')?.box.focus();
  });
  let content: JSX.Element | null = null;
  if (panel) {
    const title = TITLES[panel.kind];
    let parts: JSX.Element;
    if (panel.kind === 'thread') parts = <ThreadView key={key} panel={panel} />;
    else if (panel.kind === 'members') parts = <MembersView key={key} panel={panel} />;
    else if (panel.kind === 'files') parts = <FilesPanelView key={key} panel={panel} />;
    else parts = <PinsView key={key} panel={panel} />;
    content = (
      <>
        <header class="panel-header">
          <h2 id="panel-title">{title}</h2>
          <button type="button" class="icon" aria-label={`Close ${title.toLowerCase()}`} onClick={actions.closePanel}><Icon name="x" /></button>
        </header>
        {parts}
      </>
    );
  }
  return (
    <aside id="panel" class="panel" hidden={!panel} aria-labelledby={everOpened ? 'panel-title' : undefined} {...area}>
      {content}
      {zone}
    </aside>
  );
}
