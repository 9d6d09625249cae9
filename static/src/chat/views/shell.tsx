// The page skeleton and the always-visible parts: connection banner, workspace bar, sidebar
// and conversation header. Each region of render.ts ('banner', 'sidebar', ...) is a component
// that re-renders when its region is invalidated (see mountApp).

import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact';
import { useLayoutEffect } from 'preact/hooks';
import type { Channel } from '../../api/types';
import { csrfToken } from '../../shared/api';
import { colorClass, initials } from '../../shared/dom';
import { Icon } from '../../shared/icons';
import { toast } from '../../shared/toast';
import * as actions from '../actions';
import { askPermission, notificationsWanted } from '../notify';
import { invalidate, register, type ViewName } from '../render';
import { badgeCounts, currentWorkspace, displayName, isAdmin, isDirect, mayOpenIntegrations, state, workspaceTotals } from '../state';
import { Composer, composerHandle, type DropChoice, type Target, useDropTarget } from './composer';
import { browseChannelsDialog, channelDetailsDialog, createChannelDialog, createWorkspaceDialog, directMessageDialog,
  inviteDialog, workspaceSettingsDialog } from './dialogs';
import { memo } from './memo';
import { MessageList, TypingLine } from './messages';
import { PresenceDot, SidePanel } from './panel';
import { workspaceMembersDialog } from './people';
import { profileDialog } from './profile';

/** Files dropped on the conversation, or on a side panel other than a thread, join its composer. */
function channelDrop(): DropChoice {
  const channel = state.channelId === null ? undefined : state.channels.get(state.channelId);
  if (!channel) return { composer: null, label: 'Open a conversation first' };
  return { composer: composerHandle('composer'), label: `Drop files to send them to ${isDirect(channel) ? displayName(channel) : `#${channel.name}`}` };
}

// --- connection banner ----------------------------------------------------------------------------

export function bannerText(online: boolean, everConnected: boolean): string {
  return !online ? 'You are offline. Messages you send will go out when the connection is back.'
    : everConnected ? 'Connection lost. Reconnecting…' : 'Connecting…';
}

export function ConnectionBanner({ connected, online, everConnected }: { connected: boolean; online: boolean; everConnected: boolean }) {
  return (
    <div id="conn-banner" class="conn-banner" role="status" aria-live="polite" data-testid="connection-banner" hidden={connected}>
      {bannerText(online, everConnected)}
    </div>
  );
}

function Banner() {
  useLayoutEffect(() => {
    document.body.classList.toggle('disconnected', !state.connected);
  });
  return <ConnectionBanner connected={state.connected} online={state.online} everConnected={state.everConnected} />;
}

// --- badges ---------------------------------------------------------------------------------------

// The server counts unread messages up to 1,000 (services/summaries.py, UNREAD_CAP).
export const badgeNumber = (n: number): string => (n > 999 ? '999+' : String(n));

export function Badges({ unread, mentions, testPrefix }: { unread: number; mentions: number; testPrefix: string }) {
  return (
    <>
      {mentions > 0 ? <span class="badge mention" data-testid={`${testPrefix}-mentions`}>{badgeNumber(mentions)}</span> : null}
      {unread > 0 && !mentions ? <span class="badge unread" data-testid={`${testPrefix}-unread`}>{badgeNumber(unread)}</span> : null}
    </>
  );
}

export function countsLabel(name: string, unread: number, mentions: number): string {
  const parts = [name];
  if (unread) parts.push(`${badgeNumber(unread)} unread`);
  if (mentions) parts.push(`${badgeNumber(mentions)} ${mentions === 1 ? 'mention' : 'mentions'}`);
  return parts.join(', ');
}

// --- workspace bar --------------------------------------------------------------------------------

export function WorkspaceBar() {
  return (
    <nav id="workspace-bar" class="workspace-bar" aria-label="Workspaces">
      <ul class="workspace-list">
        {[...state.workspaces.values()].map((w) => {
          const current = w.id === state.workspaceId;
          const { unread, mentions } = current ? workspaceTotals() : { unread: w.unread_count ?? 0, mentions: w.mention_count ?? 0 };
          return (
            <li key={w.id}>
              <button type="button" class={`workspace-button${current ? ' current' : ''}${unread ? ' has-unread' : ''}`}
                aria-current={current ? 'true' : undefined} aria-label={countsLabel(w.name, unread, mentions)} title={w.name}
                data-workspace-id={w.id} data-testid="workspace" onClick={() => { if (!current) actions.switchWorkspace(w.id); }}>
                <span class="workspace-initials" aria-hidden="true">{initials(w.name)}</span>
                <Badges unread={unread} mentions={mentions} testPrefix="workspace" />
              </button>
            </li>
          );
        })}
      </ul>
      <button type="button" class="workspace-button add" aria-label="Create a workspace" title="Create a workspace" onClick={createWorkspaceDialog}>
        <Icon name="plus" />
      </button>
    </nav>
  );
}

// --- sidebar --------------------------------------------------------------------------------------

/** The sidebar mark for a room: a lock (private), a megaphone (broadcast) or a hash. */
const channelIcon = (channel: Channel) => <Icon name={channel.kind === 'private' ? 'lock' : channel.broadcast ? 'megaphone' : 'hash'} />;

export function ChannelItem({ channel }: { channel: Channel }) {
  const { unread, mentions } = badgeCounts(channel);
  const current = channel.id === state.channelId;
  const direct = isDirect(channel);
  const name = displayName(channel);
  let mark: VNode;
  if (direct) {
    const others = (channel.members ?? []).filter((m) => m.id !== state.me.id);
    const only = others.length === 1 ? others[0] : undefined;
    mark = only ? <PresenceDot userId={only.id} />
      : <span class="channel-icon" aria-hidden="true">{others.length ? String(others.length + 1) : '•'}</span>;
  } else {
    mark = <span class="channel-icon" aria-hidden="true">{channelIcon(channel)}</span>;
  }
  return (
    <li>
      <button type="button" class={`channel-item${current ? ' current' : ''}${unread || mentions ? ' unread' : ''}${channel.archived ? ' archived' : ''}${channel.muted ? ' muted' : ''}`}
        aria-current={current ? 'page' : undefined}
        aria-label={countsLabel(`${direct ? name : `#${name}`}${channel.muted ? ' (muted)' : ''}`, unread, mentions)}
        data-muted={channel.muted ? 'true' : undefined}
        data-channel-id={channel.id} data-channel-name={direct ? undefined : (channel.name ?? undefined)} data-testid="channel"
        onClick={() => actions.openChannel(channel.id)}>
        {mark}
        <span class="channel-name">{name}</span>
        <Badges unread={unread} mentions={mentions} testPrefix="channel" />
      </button>
    </li>
  );
}

function Section({ title, id, buttons, channels }: { title: string; id: string; buttons: ComponentChildren; channels: Channel[] }) {
  return (
    <section class="sidebar-section" aria-labelledby={id}>
      <div class="section-head"><h3 id={id}>{title}</h3>{buttons}</div>
      <ul class="channel-list">{channels.map((c) => <ChannelItem key={c.id} channel={c} />)}</ul>
    </section>
  );
}

function SidebarFoot() {
  return (
    <footer class="sidebar-foot">
      <button type="button" class="me" aria-label={`Your profile: ${state.me.display_name}`} title="Your profile, password and API tokens"
        data-testid="profile-button" onClick={profileDialog}>
        <span class={`avatar small ${colorClass(state.me.id)}`} aria-hidden="true">{initials(state.me.display_name)}</span>
        <PresenceDot userId={state.me.id} />
        <span class="me-name">{state.me.display_name}</span>
      </button>
      {notificationsWanted()
        ? (
          <button type="button" class="link" onClick={async () => {
            const answer = await askPermission();
            toast(answer === 'granted' ? 'Notifications are on' : 'Notifications stay off', 'info');
            invalidate('sidebar');
          }}>Enable notifications</button>
        )
        : null}
      <form method="post" action="/logout" class="logout">
        <input type="hidden" name="csrf_token" value={csrfToken} />
        <button type="submit" class="link">Sign out</button>
      </form>
    </footer>
  );
}

export function Sidebar() {
  useLayoutEffect(() => {
    document.body.classList.toggle('sidebar-open', state.sidebarOpen);
  });
  const workspace = currentWorkspace();
  if (!workspace) {
    return (
      <aside id="sidebar" class="sidebar" aria-label="Conversations">
        <div class="sidebar-head"><h2>No workspace</h2></div>
        <div class="sidebar-scroll">
          <p class="muted pad">Create a workspace with the + button, or open an invite link from a colleague.</p>
          <button type="button" class="pad-button" onClick={createWorkspaceDialog}>Create a workspace</button>
        </div>
        <SidebarFoot />
      </aside>
    );
  }
  const channels = [...state.channels.values()];
  const rooms = channels.filter((c) => !isDirect(c))
    .sort((a, b) => Number(a.archived) - Number(b.archived) || (a.name ?? '').localeCompare(b.name ?? ''));
  const directs = channels.filter(isDirect).sort((a, b) => (b.last_message_id ?? 0) - (a.last_message_id ?? 0));
  const guest = workspace.role === 'guest';
  return (
    <aside id="sidebar" class="sidebar" aria-label="Conversations">
      <div class="sidebar-head">
        <h2 data-testid="workspace-name">{workspace.name}</h2>
        {isAdmin() || mayOpenIntegrations()
          ? (
            <div class="head-links">
              {isAdmin()
                ? (
                  <>
                    <button type="button" class="link" onClick={inviteDialog}>Invite people</button>
                    <button type="button" class="link" data-testid="members-link" onClick={workspaceMembersDialog}>Manage members</button>
                    <button type="button" class="link" onClick={workspaceSettingsDialog}>Settings</button>
                  </>
                )
                : null}
              {mayOpenIntegrations()
                ? <a class="link" href={`/w/${workspace.id}/integrations`} data-testid="integrations-link">Integrations</a>
                : null}
            </div>
          )
          : null}
      </div>
      <div class="sidebar-scroll">
        <Section title="Channels" id="sec-channels" channels={rooms} buttons={[
          <button key="browse" type="button" class="icon" aria-label="Browse channels" title="Browse channels" onClick={browseChannelsDialog}><Icon name="search" /></button>,
          guest ? null : <button key="create" type="button" class="icon" aria-label="Create a channel" title="Create a channel" onClick={createChannelDialog}><Icon name="plus" /></button>,
        ]} />
        <Section title="Direct messages" id="sec-direct" channels={directs} buttons={
          <button type="button" class="icon" aria-label="New direct message" title="New direct message" onClick={directMessageDialog}><Icon name="plus" /></button>
        } />
      </div>
      <SidebarFoot />
    </aside>
  );
}

// --- conversation header --------------------------------------------------------------------------

/** Mute or unmute the conversation for me (as /mute does). Its name says what a press does;
 *  the state it leaves shows in the title's "muted" tag and the dimmed sidebar entry, and
 *  follows `channel.muted` from my other tabs. */
export function MuteToggle({ channel }: { channel: Channel }) {
  const noun = isDirect(channel) ? 'conversation' : 'channel';
  const label = channel.muted ? `Unmute ${noun}` : `Mute ${noun}`;
  return (
    <button type="button" class="icon" aria-label={label} title={channel.muted ? label : `${label}: only mentions make a badge`}
      data-testid="mute-toggle" data-muted={channel.muted ? 'true' : 'false'}
      onClick={() => actions.setMuted(channel.id, !channel.muted)}>
      <Icon name={channel.muted ? 'bell-off' : 'bell'} />
    </button>
  );
}

export function Header() {
  const channel = state.channelId === null ? undefined : state.channels.get(state.channelId);
  const menu = (
    <button type="button" class="icon menu-toggle" aria-label="Show conversations" aria-expanded={state.sidebarOpen ? 'true' : 'false'}
      aria-controls="sidebar" onClick={() => actions.setSidebar(!state.sidebarOpen)}><Icon name="menu" /></button>
  );
  if (!channel) {
    return <header id="conv-header" class="conv-header">{menu}<h1 id="conv-title">{currentWorkspace()?.name ?? 'Chat'}</h1></header>;
  }
  const direct = isDirect(channel);
  const others = direct ? (channel.members ?? []).filter((m) => m.id !== state.me.id) : [];
  const only = others.length === 1 ? others[0] : undefined;
  const title = direct ? displayName(channel)
    : channel.kind === 'private' ? [<Icon key="lock" name="lock" extraClass="title-icon" />, channel.name] : `#${channel.name}`;
  const panelKind = state.panel?.kind;
  const toggle = (kind: 'files' | 'pins' | 'members', open: () => unknown) => () => (panelKind === kind ? actions.closePanel() : open());
  return (
    <header id="conv-header" class="conv-header">
      {menu}
      <div class="conv-title">
        <h1 id="conv-title" data-testid="conversation-title">
          {only ? <PresenceDot userId={only.id} /> : null}
          {title}
          {channel.archived ? <span class="role-tag">archived</span> : null}
          {channel.broadcast ? <span class="role-tag">broadcast</span> : null}
          {channel.muted ? <span class="role-tag" data-testid="muted-tag">muted</span> : null}
        </h1>
        {channel.topic ? <p class="topic muted" data-testid="topic">{channel.topic}</p> : null}
      </div>
      <div class="conv-actions">
        <button type="button" class="icon" aria-label="Files" title="Files" aria-pressed={panelKind === 'files' ? 'true' : 'false'}
          data-testid="files-button" onClick={toggle('files', () => actions.openFiles('channel'))}><Icon name="folder" /></button>
        <button type="button" class="icon" aria-label="Pinned messages" title="Pinned messages" aria-pressed={panelKind === 'pins' ? 'true' : 'false'}
          onClick={toggle('pins', actions.openPins)}><Icon name="pin" /></button>
        <button type="button" class="icon" aria-label="Members" title="Members" aria-pressed={panelKind === 'members' ? 'true' : 'false'}
          onClick={toggle('members', actions.openMembers)}><Icon name="users" /></button>
        <MuteToggle channel={channel} />
        <button type="button" class="icon" aria-label="Conversation details" title="Details"
          onClick={() => channelDetailsDialog(channel)}><Icon name="info" /></button>
      </div>
    </header>
  );
}

// --- the page -------------------------------------------------------------------------------------

const mainTarget = (): Target | null => (state.channelId ? { channelId: state.channelId, rootId: null } : null);

/** The regions render.ts knows; invalidate(name) re-renders that region's component only. */
export const REGIONS: readonly ViewName[] = ['banner', 'workspaces', 'sidebar', 'header', 'messages', 'composer', 'typing', 'panel'];
type Versions = Record<ViewName, number>;

// One component per region, re-rendered only when its version (bumped by invalidate) changes.
const region = (view: () => VNode | null) => memo((_: { v: number }) => view());
const BannerRegion = region(() => <Banner />);
const WorkspacesRegion = region(() => <WorkspaceBar />);
const SidebarRegion = region(() => <Sidebar />);
const HeaderRegion = region(() => <Header />);
const MessagesRegion = region(() => <MessageList />);
const ComposerRegion = region(() => <Composer id="composer" label="Send a message" target={mainTarget} />);
const TypingRegion = region(() => <TypingLine />);
const PanelRegion = region(() => <SidePanel channelDrop={channelDrop} />);

function Conversation({ v }: { v: Versions }) {
  const { area, zone } = useDropTarget('drop-zone', channelDrop);
  return (
    <main class="conversation" aria-labelledby="conv-title" data-testid="conversation" {...area}>
      <HeaderRegion v={v.header} />
      <MessagesRegion v={v.messages} />
      <TypingRegion v={v.typing} />
      <ComposerRegion v={v.composer} />
      {zone}
    </main>
  );
}

function App({ v }: { v: Versions }) {
  return (
    <>
      <a class="skip-link" href="#composer">Skip to message box</a>
      <BannerRegion v={v.banner} />
      <div class="layout">
        <WorkspacesRegion v={v.workspaces} />
        <SidebarRegion v={v.sidebar} />
        <div class="scrim" aria-hidden="true" onClick={() => actions.setSidebar(false)} />
        <Conversation v={v} />
        <PanelRegion v={v.panel} />
      </div>
      <div id="toasts" class="toasts" />
    </>
  );
}

/** Render the page into root and register each region with render.ts: invalidate('sidebar')
 *  re-renders the sidebar (synchronously, once per batch), nothing else. */
export function mountApp(root: HTMLElement): void {
  const versions = Object.fromEntries(REGIONS.map((name) => [name, 0])) as Versions;
  const paint = () => render(<App v={{ ...versions }} />, root);
  for (const name of REGIONS) {
    register(name, () => {
      versions[name] += 1;
      paint();
    });
  }
  paint();
}
