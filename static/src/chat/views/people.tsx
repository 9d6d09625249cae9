// People management: the workspace's members (admins change roles, deactivate and reactivate)
// and adding people to a channel. The server checks every change; these views only hide the
// controls a person may not use and show the server's answer when it says no.

import { useEffect, useState } from 'preact/hooks';
import type { Channel, Member } from '../../api/types';
import { api } from '../../shared/api';
import { formDialog, openDialog } from '../../shared/dialogs';
import { colorClass, initials } from '../../shared/dom';
import { toast } from '../../shared/toast';
import * as actions from '../actions';
import { state } from '../state';
import { PeoplePicker, searchName } from './dialogs';

const PRESENCE_POLL_MS = 60_000;

/** Workspaces too large for presence to be pushed (the server answers live: false) are polled:
 *  every minute, the presence of the people on screen. */
export function startPresencePolling(): void {
  setInterval(() => {
    if (state.workspaceId && !state.presenceLive && state.connected && !document.hidden) {
      actions.refreshPresence().catch(console.warn);
    }
  }, PRESENCE_POLL_MS);
}

type Role = Member['role'];
const ROLES: [Role, string][] = [['owner', 'Owner'], ['admin', 'Admin'], ['member', 'Member'], ['guest', 'Guest']];
const isAdminRole = (role: string | undefined): boolean => role === 'owner' || role === 'admin';

/** The server's words, with a hint of what to do for the refusals people meet here. */
function explain(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  switch (code) {
    case 'last_owner': return 'A workspace needs at least one active owner. Make someone else an owner first.';
    case 'owner_only': return 'Only owners change admins and owners.';
    case 'admin_only': return 'Only admins and owners manage members.';
    default: return message || 'Something went wrong';
  }
}

type Change = { role: Role } | { active: boolean };

function WorkspaceMembers({ workspaceId }: { workspaceId: number | null }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState('');
  const [q, setQ] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  // Bumped after every change, so a refused role goes back into its select.
  const [, setRound] = useState(0);
  const myRole = workspaceId === null ? undefined : state.workspaces.get(workspaceId)?.role;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const data: { members: Member[] } = await api.get(`/workspaces/${workspaceId}/members?include_inactive=1`);
        if (workspaceId !== state.workspaceId) return;
        setMembers(data.members);
      } catch (err) {
        setError(explain(err));
      }
    };
    // Someone else changed a member, or a newcomer arrived: show it.
    const loadSoon = () => {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    };
    document.addEventListener('chat:workspace-members-changed', loadSoon);
    load();
    return () => {
      clearTimeout(timer);
      document.removeEventListener('chat:workspace-members-changed', loadSoon);
    };
  }, []);

  const change = async (member: Member, changes: Change, control: string) => {
    setError('');
    setBusy(control);
    try {
      const updated: Member = await actions.updateMember(member.id, changes);
      setMembers((list) => (list ?? []).map((m) => (m.id === updated.id ? updated : m)));
      toast('active' in changes
        ? `${updated.display_name} ${updated.active ? 'reactivated' : 'deactivated'}`
        : `${updated.display_name} is now ${updated.role === 'admin' ? 'an' : 'a'} ${updated.role}`, 'info');
    } catch (err) {
      setError(`${member.display_name}: ${explain(err)}`);
    } finally {
      setBusy(null);
      setRound((n) => n + 1);
    }
  };

  const row = (m: Member) => {
    const me = m.id === state.me.id;
    const owner = myRole === 'owner';
    // Admins manage members and guests; only owners touch admins and owners.
    const mayChange = owner || (myRole === 'admin' && !isAdminRole(m.role));
    const roleKey = `role-${m.id}`;
    const activeKey = `active-${m.id}`;
    return (
      <li key={m.id} class={`admin-member${m.active ? '' : ' inactive'}`} data-testid="admin-member" data-user-id={m.id} data-name={searchName(m)}>
        <span class={`avatar small ${colorClass(m.id)}`} aria-hidden="true">{initials(m.display_name)}</span>
        <span class="admin-member-name">
          <strong>{m.display_name}{me ? ' (you)' : ''}</strong>
          <span class="muted">{m.username ? ` @${m.username}` : ''}</span>
          {m.is_bot ? <span class="role-tag" data-testid="bot-tag" title="A bot, not a person">bot</span> : null}
          {m.active ? null : <span class="role-tag" data-testid="deactivated">deactivated</span>}
        </span>
        <select aria-label={`Role of ${m.display_name}`} disabled={!mayChange || !m.active || busy === roleKey}
          data-focus-key={roleKey} data-testid="member-role" title={mayChange ? undefined : 'Only owners change admins and owners'}
          value={m.role} onChange={(e) => {
            const role = ROLES.find(([r]) => r === e.currentTarget.value)?.[0];
            if (role) change(m, { role }, roleKey);
          }}>
          {ROLES.map(([value, label]) => <option key={value} value={value} disabled={!owner && isAdminRole(value)}>{label}</option>)}
        </select>
        {mayChange && !me
          ? (
            <button type="button" class={m.active ? 'danger' : 'secondary'} data-focus-key={activeKey}
              aria-label={`${m.active ? 'Deactivate' : 'Reactivate'} ${m.display_name}`} disabled={busy === activeKey}
              onClick={() => change(m, { active: !m.active }, activeKey)}>{m.active ? 'Deactivate' : 'Reactivate'}</button>
          )
          : null}
      </li>
    );
  };

  let summary = 'Loading…';
  let rows = null;
  if (members) {
    const shown = members.filter((m) => !q || searchName(m).includes(q));
    const active = members.filter((m) => m.active).length;
    summary = `${active} active ${active === 1 ? 'member' : 'members'}`
      + `${members.length > active ? `, ${members.length - active} deactivated` : ''}.`;
    rows = shown.length ? shown.map(row) : <li class="muted">Nobody matches.</li>;
  }
  return (
    <div class="dialog-body">
      <p class="muted">Admins manage members and guests; only owners change admins and owners. Deactivated people lose access at once and can be reactivated later.</p>
      <input type="search" aria-label="Filter members" placeholder="Find people" onInput={(e) => setQ(e.currentTarget.value.trim().toLowerCase())} />
      <p class="muted" role="status">{summary}</p>
      <p class="form-error" role="alert" hidden={!error} data-testid="members-error">{error}</p>
      <ul class="admin-members" data-testid="admin-member-list">{rows}</ul>
    </div>
  );
}

/** Admins and owners: everyone in the workspace, deactivated people included. */
export function workspaceMembersDialog(): void {
  openDialog('Members', <WorkspaceMembers workspaceId={state.workspaceId} />,
    { testid: 'members-dialog', className: 'medium', focus: 'input[type="search"]' });
}

/** Pick workspace members who are not in the channel yet and add them. */
export function addChannelMembersDialog(channel: Channel, current: readonly { id: number }[] | null): void {
  const inside = new Set((current ?? []).map((m) => m.id));
  const people = [...state.members.values()]
    .filter((m) => m.active !== false && !inside.has(m.id))
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
  formDialog(`Add people to #${channel.name}`, people.length
    ? <PeoplePicker people={people} testid="add-member-list" guestTags />
    : <p class="muted">Everyone in the workspace is already in this channel.</p>,
  'Add', async (data) => {
    const ids = data.getAll('user').map(Number);
    if (!ids.length) throw new Error('Pick at least one person');
    const added: number[] = [];
    try {
      for (const id of ids) {
        await actions.addChannelMember(channel.id, id);
        added.push(id);
      }
    } catch (err) {
      if (added.length) actions.refreshMembersPanel();
      const failed = ids[added.length];
      const who = (failed !== undefined && state.members.get(failed)?.display_name) || 'Someone';
      throw new Error(`${who}: ${err instanceof Error ? err.message : String(err)}`);
    }
    await actions.refreshMembersPanel();
    const first = ids[0];
    toast(ids.length === 1 ? `${(first !== undefined && state.members.get(first)?.display_name) || 'Someone'} added` : `${ids.length} people added`, 'info');
  }, { testid: 'add-members-dialog' });
}
