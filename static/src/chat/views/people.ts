// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// People management: the workspace's members (admins change roles, deactivate and reactivate)
// and adding people to a channel. The server checks every change; these views only hide the
// controls a person may not use and show the server's answer when it says no.

import * as actions from '../actions';
import { api } from '../api';
import { colorClass, h, initials } from '../dom';
import { state } from '../state';
import { toast } from '../toast';
import { formDialog, openDialog } from './dialogs';

const PRESENCE_POLL_MS = 60_000;

/** Workspaces too large for presence to be pushed (the server answers live: false) are polled:
 *  every minute, the presence of the people on screen. */
export function startPresencePolling() {
  setInterval(() => {
    if (state.workspaceId && !state.presenceLive && state.connected && !document.hidden) {
      actions.refreshPresence().catch(console.warn);
    }
  }, PRESENCE_POLL_MS);
}

const ROLES = [['owner', 'Owner'], ['admin', 'Admin'], ['member', 'Member'], ['guest', 'Guest']];
const isAdminRole = (role) => role === 'owner' || role === 'admin';

/** The server's words, with a hint of what to do for the refusals people meet here. */
function explain(err) {
  switch (err.code) {
    case 'last_owner': return 'A workspace needs at least one active owner. Make someone else an owner first.';
    case 'owner_only': return 'Only owners change admins and owners.';
    case 'admin_only': return 'Only admins and owners manage members.';
    default: return err.message || 'Something went wrong';
  }
}

/** Keep keyboard focus on "the same" control across a re-render that replaces the rows. */
function keepingFocus(container, render) {
  const key = container.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
  render();
  if (key) container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
}

/** Admins and owners: everyone in the workspace, deactivated people included. */
export function workspaceMembersDialog() {
  const workspaceId = state.workspaceId;
  const myRole = () => state.workspaces.get(workspaceId)?.role;
  let members = null;
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'members-error' });
  const filter = h('input', { type: 'search', 'aria-label': 'Filter members', placeholder: 'Find people' });
  const summary = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const list = h('ul', { class: 'admin-members', 'data-testid': 'admin-member-list' });

  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };

  const change = async (member, changes, control) => {
    showError('');
    control.disabled = true;
    try {
      const updated = await actions.updateMember(member.id, changes);
      members = members.map((m) => (m.id === updated.id ? updated : m));
      toast('active' in changes
        ? `${updated.display_name} ${updated.active ? 'reactivated' : 'deactivated'}`
        : `${updated.display_name} is now ${updated.role === 'admin' ? 'an' : 'a'} ${updated.role}`, 'info');
    } catch (err) {
      showError(`${member.display_name}: ${explain(err)}`);
    } finally {
      control.disabled = false;
      keepingFocus(list, render); // also puts a refused role back in its select
    }
  };

  const row = (m) => {
    const me = m.id === state.me.id;
    const owner = myRole() === 'owner';
    // Admins manage members and guests; only owners touch admins and owners.
    const mayChange = owner || (myRole() === 'admin' && !isAdminRole(m.role));
    const select = h('select', { 'aria-label': `Role of ${m.display_name}`, disabled: !mayChange || !m.active,
      'data-focus-key': `role-${m.id}`, 'data-testid': 'member-role',
      title: mayChange ? null : 'Only owners change admins and owners' },
    ROLES.map(([value, label]) => h('option', { value, selected: value === m.role, disabled: !owner && isAdminRole(value) }, label)));
    select.value = m.role;
    select.addEventListener('change', () => change(m, { role: select.value }, select));
    const toggle = mayChange && !me
      ? h('button', { type: 'button', class: m.active ? 'danger' : 'secondary', 'data-focus-key': `active-${m.id}`,
        'aria-label': `${m.active ? 'Deactivate' : 'Reactivate'} ${m.display_name}`,
        onclick: (e) => change(m, { active: !m.active }, e.currentTarget) }, m.active ? 'Deactivate' : 'Reactivate')
      : null;
    return h('li', { class: `admin-member${m.active ? '' : ' inactive'}`, 'data-testid': 'admin-member', 'data-user-id': m.id,
      'data-name': `${m.display_name} ${m.username ?? ''}`.toLowerCase() },
    h('span', { class: `avatar small ${colorClass(m.id)}`, 'aria-hidden': 'true' }, initials(m.display_name)),
    h('span', { class: 'admin-member-name' },
      h('strong', {}, m.display_name, me ? ' (you)' : ''),
      h('span', { class: 'muted' }, m.username ? ` @${m.username}` : ''),
      m.active ? null : h('span', { class: 'role-tag', 'data-testid': 'deactivated' }, 'deactivated')),
    select, toggle);
  };

  const render = () => {
    if (!members) return;
    const q = filter.value.trim().toLowerCase();
    const shown = members.filter((m) => !q || `${m.display_name} ${m.username ?? ''}`.toLowerCase().includes(q));
    const active = members.filter((m) => m.active).length;
    summary.textContent = `${active} active ${active === 1 ? 'member' : 'members'}`
      + `${members.length > active ? `, ${members.length - active} deactivated` : ''}.`;
    list.replaceChildren(...(shown.length ? shown.map(row) : [h('li', { class: 'muted' }, 'Nobody matches.')]));
  };

  const load = async () => {
    try {
      const data = await api.get(`/workspaces/${workspaceId}/members?include_inactive=1`);
      if (workspaceId !== state.workspaceId) return;
      members = data.members;
      keepingFocus(list, render);
    } catch (err) {
      showError(explain(err));
    }
  };
  let timer = null;
  const loadSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  };
  filter.addEventListener('input', render);

  const dialog = openDialog('Members', h('div', { class: 'dialog-body' },
    h('p', { class: 'muted' }, 'Admins manage members and guests; only owners change admins and owners. '
      + 'Deactivated people lose access at once and can be reactivated later.'),
    filter, summary, error, list), { testid: 'members-dialog' });
  dialog.classList.add('medium');
  // Someone else changed a member, or a newcomer arrived: show it.
  document.addEventListener('chat:workspace-members-changed', loadSoon);
  dialog.addEventListener('close', () => {
    clearTimeout(timer);
    document.removeEventListener('chat:workspace-members-changed', loadSoon);
  });
  load();
  filter.focus();
}

/** Pick workspace members who are not in the channel yet and add them. */
export function addChannelMembersDialog(channel, current) {
  const inside = new Set((current ?? []).map((m) => m.id));
  const people = [...state.members.values()]
    .filter((m) => m.active !== false && !inside.has(m.id))
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
  const filter = h('input', { type: 'search', 'aria-label': 'Filter people', placeholder: 'Find people' });
  const list = h('ul', { class: 'pick-list', 'data-testid': 'add-member-list' }, people.map((m) => h('li', {
    'data-name': `${m.display_name} ${m.username ?? ''}`.toLowerCase() },
  h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'user', value: m.id }),
    h('span', {}, m.display_name, h('span', { class: 'muted' }, m.username ? ` @${m.username}` : ''),
      m.role === 'guest' ? h('span', { class: 'role-tag' }, 'guest') : null)))));
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const li of list.children) li.hidden = Boolean(q) && !li.dataset.name.includes(q);
  });
  formDialog(`Add people to #${channel.name}`, people.length ? [filter, list]
    : [h('p', { class: 'muted' }, 'Everyone in the workspace is already in this channel.')],
  'Add', async (data) => {
    const ids = data.getAll('user').map(Number);
    if (!ids.length) throw new Error('Pick at least one person');
    const added = [];
    try {
      for (const id of ids) {
        await actions.addChannelMember(channel.id, id);
        added.push(id);
      }
    } catch (err) {
      if (added.length) actions.refreshMembersPanel();
      const who = state.members.get(ids[added.length])?.display_name ?? 'Someone';
      throw new Error(`${who}: ${err.message}`);
    }
    await actions.refreshMembersPanel();
    toast(ids.length === 1 ? `${state.members.get(ids[0])?.display_name ?? 'Someone'} added` : `${ids.length} people added`, 'info');
  }, { testid: 'add-members-dialog' });
}
