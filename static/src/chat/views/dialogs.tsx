// The chat app's dialogs: create and browse channels, direct messages, channel details, invites,
// workspace settings. The dialog machinery itself (openDialog, formDialog, Field...) is shared by
// every page: static/src/shared/dialogs.tsx.

import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Channel, Invite, StorageUsage } from '../../api/types';
import { api } from '../../shared/api';
import { Field, formDialog, messageOf, openDialog } from '../../shared/dialogs';
import { reportError, toast } from '../../shared/toast';
import * as actions from '../actions';
import { displayName, isAdmin, isDirect, state } from '../state';
import { formatSize } from '../uploads';

export function createWorkspaceDialog(): void {
  formDialog('Create a workspace',
    <Field label="Name"><input name="name" required maxLength={80} autocomplete="off" /></Field>,
    'Create', (data) => actions.createWorkspace(String(data.get('name')).trim()), { testid: 'create-workspace-dialog' });
}

function KindChoice({ value, label, hint, disabled = false }: { value: string; label: string; hint: string; disabled?: boolean }) {
  return (
    <label class="choice">
      <input type="radio" name="kind" value={value} defaultChecked={value === 'public'} disabled={disabled} />
      <span><strong>{label}</strong><span class="muted">{` ${hint}`}</span></span>
    </label>
  );
}

export function createChannelDialog(): void {
  formDialog('Create a channel', [
    <Field key="name" label="Name">
      <input name="name" required maxLength={80} pattern="[A-Za-z0-9][A-Za-z0-9 _\-]*" placeholder="e.g. marketing" autocomplete="off" />
    </Field>,
    <fieldset key="kind">
      <legend>Who can see it</legend>
      <KindChoice value="public" label="Public" hint="anyone in the workspace can find and join it" />
      <KindChoice value="private" label="Private" hint="only people you add" />
      <KindChoice value="broadcast" label="Broadcast" hint={isAdmin() ? 'everyone reads, only admins post' : '(admins only)'} disabled={!isAdmin()} />
    </fieldset>,
    <Field key="topic" label="Topic (optional)"><input name="topic" maxLength={250} /></Field>,
    <Field key="purpose" label="Purpose (optional)"><input name="purpose" maxLength={250} /></Field>,
  ], 'Create', (data) => actions.createChannel({
    name: String(data.get('name')).trim(), private: data.get('kind') === 'private',
    broadcast: data.get('kind') === 'broadcast', topic: String(data.get('topic') || ''), purpose: String(data.get('purpose') || ''),
  }), { testid: 'create-channel-dialog' });
}

export interface Person {
  id: number;
  display_name: string;
  username?: string | null;
  role?: string;
  is_bot?: boolean;
}

export const searchName = (m: Person): string => `${m.display_name} ${m.username ?? ''}`.toLowerCase();

/** A filter box over a list of people to tick (their ids go out as the form's `user` values). */
export function PeoplePicker({ people, testid, guestTags = false }: { people: Person[]; testid?: string; guestTags?: boolean }) {
  const [q, setQ] = useState('');
  return (
    <>
      <input type="search" aria-label="Filter people" placeholder="Find people"
        onInput={(e) => setQ(e.currentTarget.value.trim().toLowerCase())} />
      <ul class="pick-list" data-testid={testid}>
        {people.map((m) => (
          <li key={m.id} data-name={searchName(m)} hidden={Boolean(q) && !searchName(m).includes(q)}>
            <label class="choice">
              <input type="checkbox" name="user" value={m.id} />
              <span>
                {m.display_name}<span class="muted">{m.username ? ` @${m.username}` : ''}</span>
                {m.is_bot ? <span class="role-tag" data-testid="bot-tag" title="A bot, not a person">bot</span> : null}
                {guestTags && m.role === 'guest' ? <span class="role-tag">guest</span> : null}
              </span>
            </label>
          </li>
        ))}
      </ul>
    </>
  );
}

export function directMessageDialog(): void {
  const people = [...state.members.values()].filter((m) => m.id !== state.me.id && m.active !== false);
  formDialog('New message', [
    <p key="hint" class="muted">Pick one person for a direct message, or several for a group conversation.</p>,
    people.length ? <PeoplePicker key="pick" people={people} />
      : [<input key="filter" type="search" aria-label="Filter people" placeholder="Find people" />,
        <p key="none" class="muted">Nobody else is in this workspace yet.</p>],
  ], 'Start conversation', async (data) => {
    const ids = data.getAll('user').map(Number);
    if (!ids.length) throw new Error('Pick at least one person');
    await actions.openDirect(ids);
  }, { testid: 'direct-dialog' });
}

function BrowseChannels({ close }: { close: () => void }) {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  useEffect(() => {
    const load = async () => {
      try {
        const data: { channels: Channel[] } = await api.get(`/workspaces/${state.workspaceId}/channels/browse`);
        setChannels(data.channels);
      } catch (err) {
        reportError(err);
      }
    };
    document.addEventListener('chat:public-channels-changed', load);
    load();
    return () => document.removeEventListener('chat:public-channels-changed', load);
  }, []);
  const join = async (c: Channel) => {
    try {
      await actions.joinChannel(c.id);
      close();
    } catch (err) { reportError(err); }
  };
  let items: VNode | VNode[];
  if (!channels) items = <li class="muted">Loading…</li>;
  else if (!channels.length) items = <li class="muted">No public channels yet.</li>;
  else {
    items = channels.map((c) => {
      const count = c.member_count ?? 0;
      return (
        <li key={c.id} class="browse-item">
          <div>
            <strong>{`#${c.name}`}</strong>{c.archived ? <span class="role-tag">archived</span> : null}
            <div class="muted">{`${count} ${count === 1 ? 'member' : 'members'}${c.purpose ? ` · ${c.purpose}` : ''}`}</div>
          </div>
          {c.joined
            ? <button type="button" class="secondary" onClick={() => { close(); actions.openChannel(c.id); }}>Open</button>
            : <button type="button" disabled={c.archived} aria-label={`Join #${c.name}`} onClick={() => join(c)}>Join</button>}
        </li>
      );
    });
  }
  return <ul class="browse-list" data-testid="browse-list">{items}</ul>;
}

export function browseChannelsDialog(): void {
  openDialog('Browse channels', (close) => <BrowseChannels close={close} />, { testid: 'browse-dialog' });
}

export function channelDetailsDialog(channel: Channel): void {
  const manager = isAdmin() || channel.created_by === state.me.id;
  const direct = isDirect(channel);
  const act = (close: () => void, run: () => Promise<unknown>) => async () => {
    try {
      await run();
      close();
    } catch (err) { reportError(err); }
  };
  formDialog(direct ? displayName(channel) : `#${channel.name}`, (close) => {
    const extra: VNode[] = [];
    if (!direct && manager && !channel.is_default) {
      extra.push(
        <button key="archive" type="button" class={channel.archived ? 'secondary' : 'danger'} onClick={act(close, async () => {
          await actions.updateChannel(channel.id, { archived: !channel.archived });
          toast(channel.archived ? 'Channel unarchived' : 'Channel archived', 'info');
        })}>{channel.archived ? 'Unarchive channel' : 'Archive channel'}</button>,
      );
    }
    if (!direct && !channel.is_default) {
      extra.push(<button key="leave" type="button" class="secondary" onClick={act(close, () => actions.leaveChannel(channel.id))}>Leave channel</button>);
    }
    return [
      <Field key="topic" label="Topic"><input name="topic" maxLength={250} defaultValue={channel.topic ?? ''} disabled={channel.archived} /></Field>,
      direct ? null : (
        <Field key="purpose" label="Purpose">
          <input name="purpose" maxLength={250} defaultValue={channel.purpose ?? ''} disabled={!manager || channel.archived} />
        </Field>
      ),
      manager || direct ? null : <p key="who" class="muted">Only the channel’s creator and admins change its purpose or archive it.</p>,
      extra.length ? <div key="extra" class="dialog-extra">{extra}</div> : null,
    ];
  }, 'Save', async (data) => {
    const changes: { topic?: string; purpose?: string } = {};
    const topic = data.get('topic');
    const purpose = data.get('purpose');
    if (typeof topic === 'string' && topic !== (channel.topic ?? '')) changes.topic = topic;
    if (typeof purpose === 'string' && purpose !== (channel.purpose ?? '')) changes.purpose = purpose;
    if (Object.keys(changes).length) await actions.updateChannel(channel.id, changes);
  }, { testid: 'channel-details-dialog' });
}

const INVITE_ROLES: Invite['role'][] = ['member', 'guest', 'admin'];

function Invites({ workspaceId }: { workspaceId: number | null }) {
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [role, setRole] = useState<Invite['role']>('member');
  const [focusFirst, setFocusFirst] = useState(false);
  const load = async () => {
    const data: { invites: Invite[] } = await api.get(`/workspaces/${workspaceId}/invites`);
    setInvites(data.invites);
  };
  useEffect(() => { load().catch(reportError); }, []);
  const create = async () => {
    try {
      await api.post(`/workspaces/${workspaceId}/invites`, { role });
      await load();
      setFocusFirst(true);
    } catch (err) { reportError(err); }
  };
  useEffect(() => {
    if (!focusFirst) return;
    setFocusFirst(false);
    document.querySelector<HTMLInputElement>('[data-testid="invite-list"] input')?.focus();
  }, [focusFirst]);
  const revoke = async (inv: Invite) => {
    try {
      await api.del(`/workspaces/${workspaceId}/invites/${inv.id}`);
      await load();
    } catch (err) { reportError(err); }
  };
  return (
    <>
      <p class="muted">Anyone with a link can join this workspace with the chosen role until it expires or you revoke it.</p>
      <div class="inline-form">
        <select name="role" aria-label="Role for new people" value={role}
          onChange={(e) => setRole(INVITE_ROLES.find((r) => r === e.currentTarget.value) ?? 'member')}>
          <option value="member">Member</option>
          <option value="guest">Guest</option>
          <option value="admin">Admin</option>
        </select>
        <button type="button" onClick={create}>Create invite link</button>
      </div>
      <ul class="invite-list" data-testid="invite-list">
        {invites === null ? null : invites.length ? invites.map((inv) => {
          const url = `${location.origin}/invite/${inv.code}`;
          return (
            <li key={inv.id} class="invite">
              <input readOnly value={url} aria-label={`Invite link for a ${inv.role}`} onFocus={(e) => e.currentTarget.select()} />
              <span class="muted">{`${inv.role} · ${inv.uses} used · expires ${new Date(inv.expires_at).toLocaleDateString()}`}</span>
              <button type="button" class="secondary"
                onClick={() => navigator.clipboard?.writeText(url).then(() => toast('Link copied', 'info'), () => {})}>Copy</button>
              <button type="button" class="danger" aria-label={`Revoke ${inv.role} invite link`} onClick={() => revoke(inv)}>Revoke</button>
            </li>
          );
        }) : <li class="muted">No active invite links.</li>}
      </ul>
    </>
  );
}

export function inviteDialog(): void {
  openDialog('Invite people', <Invites workspaceId={state.workspaceId} />, { testid: 'invite-dialog' });
}

const MB = 1024 * 1024;

function StorageLine({ workspaceId, onCeiling }: { workspaceId: number | null; onCeiling: (bytes: number) => void }) {
  const [text, setText] = useState('Loading storage…');
  useEffect(() => {
    api.get(`/workspaces/${workspaceId}/storage`).then((s: StorageUsage) => {
      onCeiling(s.max_file_size_ceiling);
      setText(`${formatSize(s.used_bytes)} used by ${s.file_count} ${s.file_count === 1 ? 'file' : 'files'}. `
        + `Files may be up to ${formatSize(s.max_file_size)} (the server allows up to ${formatSize(s.max_file_size_ceiling)}).`);
    }, (err: unknown) => { setText(messageOf(err)); });
  }, []);
  return <p class="muted" data-testid="storage-usage" role="status">{text}</p>;
}

/** Admins: the workspace's name, the storage its files take, and the largest file allowed. */
export function workspaceSettingsDialog(): void {
  const workspaceId = state.workspaceId;
  const workspace = workspaceId === null ? undefined : state.workspaces.get(workspaceId);
  let ceiling: number | null = null;
  const onCeiling = (bytes: number) => {
    ceiling = bytes;
    const limit = document.querySelector<HTMLInputElement>('[data-testid="max-file-size"]');
    if (limit) limit.max = String(+(bytes / MB).toFixed(2));
  };
  formDialog('Workspace settings', [
    <Field key="name" label="Name"><input name="name" required maxLength={80} defaultValue={workspace?.name ?? ''} /></Field>,
    <fieldset key="files">
      <legend>Files</legend>
      <StorageLine workspaceId={workspaceId} onCeiling={onCeiling} />
      <Field label="Largest file people may share (MB)">
        <input name="max_file_size" type="number" min="0.01" step="0.01" inputMode="decimal" aria-describedby="max-size-hint"
          data-testid="max-file-size" defaultValue={workspace?.max_file_size ? String(+(workspace.max_file_size / MB).toFixed(2)) : ''} />
      </Field>
      <span id="max-size-hint" class="muted">In megabytes. Leave empty for the server’s limit.</span>
    </fieldset>,
  ], 'Save', async (data) => {
    const changes: { name?: string; max_file_size?: number | null } = {};
    const name = String(data.get('name')).trim();
    if (name && name !== workspace?.name) changes.name = name;
    const raw = String(data.get('max_file_size') ?? '').trim();
    const bytes = raw ? Math.round(Number(raw) * MB) : null;
    if (raw && !(bytes !== null && bytes >= 1)) throw new Error('Enter a size in megabytes, e.g. 25');
    if (bytes && ceiling && bytes > ceiling) throw new Error(`The server allows at most ${formatSize(ceiling)}`);
    if (bytes !== (workspace?.max_file_size ?? null)) changes.max_file_size = bytes;
    if (!Object.keys(changes).length) return;
    await api.patch(`/workspaces/${workspaceId}`, changes);
    await actions.refreshWorkspaces();
    toast('Workspace settings saved', 'info');
  }, { testid: 'workspace-settings-dialog' });
}
