// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Modal dialogs on the native <dialog> element: focus stays inside, Escape closes them, and
// focus returns to the control that opened them.

import * as actions from '../actions';
import { api } from '../api';
import { h } from '../dom';
import { icon } from '../icons';
import { displayName, isAdmin, isDirect, state } from '../state';
import { reportError, toast } from '../toast';
import { formatSize } from '../uploads';

export function openDialog(title, content, { testid, wide = false } = {}) {
  const opener = document.activeElement;
  const heading = h('h2', { id: `dlg-${Math.random().toString(36).slice(2)}` }, title);
  const dialog = h('dialog', { class: wide ? 'dialog wide' : 'dialog', 'aria-labelledby': heading.id, 'data-testid': testid },
    h('header', { class: 'dialog-header' }, heading,
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Close', onclick: () => dialog.close() }, icon('x'))),
    content);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A form dialog: onSubmit(formData) may throw to keep the dialog open with the error shown. */
export function formDialog(title, fields, submitLabel, onSubmit, opts = {}) {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', { class: 'dialog-form' }, fields, error,
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'), submit));
  const dialog = openDialog(title, form, opts);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      await onSubmit(new FormData(form));
      dialog.close();
    } catch (err) {
      error.textContent = err.message || 'Something went wrong';
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  form.querySelector('input, select, textarea')?.focus();
  return dialog;
}

export const field = (label, input) => h('label', { class: 'field' }, h('span', {}, label), input);

export function createWorkspaceDialog() {
  formDialog('Create a workspace',
    field('Name', h('input', { name: 'name', required: true, maxlength: 80, autocomplete: 'off' })),
    'Create', (data) => actions.createWorkspace(String(data.get('name')).trim()), { testid: 'create-workspace-dialog' });
}

export function createChannelDialog() {
  const kind = (value, label, hint, disabled = false) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'kind', value, checked: value === 'public', disabled }),
    h('span', {}, h('strong', {}, label), h('span', { class: 'muted' }, ` ${hint}`)));
  formDialog('Create a channel', [
    field('Name', h('input', { name: 'name', required: true, maxlength: 80, pattern: '[A-Za-z0-9][A-Za-z0-9 _\\-]*', placeholder: 'e.g. marketing', autocomplete: 'off' })),
    h('fieldset', {}, h('legend', {}, 'Who can see it'),
      kind('public', 'Public', 'anyone in the workspace can find and join it'),
      kind('private', 'Private', 'only people you add'),
      kind('broadcast', 'Broadcast', isAdmin() ? 'everyone reads, only admins post' : '(admins only)', !isAdmin())),
    field('Topic (optional)', h('input', { name: 'topic', maxlength: 250 })),
    field('Purpose (optional)', h('input', { name: 'purpose', maxlength: 250 })),
  ], 'Create', (data) => actions.createChannel({
    name: String(data.get('name')).trim(), private: data.get('kind') === 'private',
    broadcast: data.get('kind') === 'broadcast', topic: String(data.get('topic') || ''), purpose: String(data.get('purpose') || ''),
  }), { testid: 'create-channel-dialog' });
}

export function directMessageDialog() {
  const people = [...state.members.values()].filter((m) => m.id !== state.me.id && m.active !== false);
  const filter = h('input', { type: 'search', 'aria-label': 'Filter people', placeholder: 'Find people' });
  const list = h('ul', { class: 'pick-list' }, people.map((m) => h('li', { 'data-name': `${m.display_name} ${m.username ?? ''}`.toLowerCase() },
    h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'user', value: m.id }),
      h('span', {}, m.display_name, h('span', { class: 'muted' }, m.username ? ` @${m.username}` : ''))))));
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const li of list.children) li.hidden = Boolean(q) && !li.dataset.name.includes(q);
  });
  formDialog('New message', [
    h('p', { class: 'muted' }, 'Pick one person for a direct message, or several for a group conversation.'),
    filter, people.length ? list : h('p', { class: 'muted' }, 'Nobody else is in this workspace yet.'),
  ], 'Start conversation', async (data) => {
    const ids = data.getAll('user').map(Number);
    if (!ids.length) throw new Error('Pick at least one person');
    await actions.openDirect(ids);
  }, { testid: 'direct-dialog' });
}

export function browseChannelsDialog() {
  const list = h('ul', { class: 'browse-list', 'data-testid': 'browse-list' }, h('li', { class: 'muted' }, 'Loading…'));
  const dialog = openDialog('Browse channels', list, { testid: 'browse-dialog' });
  const load = async () => {
    try {
      const { channels } = await api.get(`/workspaces/${state.workspaceId}/channels/browse`);
      list.replaceChildren(...(channels.length ? channels.map((c) => h('li', { class: 'browse-item' },
        h('div', {}, h('strong', {}, `#${c.name}`), c.archived ? h('span', { class: 'role-tag' }, 'archived') : null,
          h('div', { class: 'muted' }, `${c.member_count} ${c.member_count === 1 ? 'member' : 'members'}${c.purpose ? ` · ${c.purpose}` : ''}`)),
        c.joined
          ? h('button', { type: 'button', class: 'secondary', onclick: () => { dialog.close(); actions.openChannel(c.id); } }, 'Open')
          : h('button', { type: 'button', disabled: c.archived, 'aria-label': `Join #${c.name}`, onclick: async () => {
            try {
              await actions.joinChannel(c.id);
              dialog.close();
            } catch (err) { reportError(err); }
          } }, 'Join'))) : [h('li', { class: 'muted' }, 'No public channels yet.')]));
    } catch (err) {
      reportError(err);
    }
  };
  document.addEventListener('chat:public-channels-changed', load);
  dialog.addEventListener('close', () => document.removeEventListener('chat:public-channels-changed', load));
  load();
}

export function channelDetailsDialog(channel) {
  const manager = isAdmin() || channel.created_by === state.me.id;
  const direct = isDirect(channel);
  const fields = [
    field('Topic', h('input', { name: 'topic', maxlength: 250, value: channel.topic ?? '', disabled: channel.archived })),
  ];
  if (!direct) {
    fields.push(field('Purpose', h('input', { name: 'purpose', maxlength: 250, value: channel.purpose ?? '', disabled: !manager || channel.archived })));
  }
  const extra = [];
  if (!direct && manager && !channel.is_default) {
    extra.push(h('button', { type: 'button', class: channel.archived ? 'secondary' : 'danger', onclick: async () => {
      try {
        await actions.updateChannel(channel.id, { archived: !channel.archived });
        toast(channel.archived ? 'Channel unarchived' : 'Channel archived', 'info');
        dialog.close();
      } catch (err) { reportError(err); }
    } }, channel.archived ? 'Unarchive channel' : 'Archive channel'));
  }
  if (!direct && !channel.is_default) {
    extra.push(h('button', { type: 'button', class: 'secondary', onclick: async () => {
      try {
        await actions.leaveChannel(channel.id);
        dialog.close();
      } catch (err) { reportError(err); }
    } }, 'Leave channel'));
  }
  const dialog = formDialog(direct ? displayName(channel) : `#${channel.name}`, [
    ...fields,
    manager || direct ? null : h('p', { class: 'muted' }, 'Only the channel’s creator and admins change its purpose or archive it.'),
    extra.length ? h('div', { class: 'dialog-extra' }, extra) : null,
  ], 'Save', async (data) => {
    const changes = {};
    if (data.get('topic') !== null && data.get('topic') !== (channel.topic ?? '')) changes.topic = data.get('topic');
    if (data.get('purpose') !== null && data.get('purpose') !== (channel.purpose ?? '')) changes.purpose = data.get('purpose');
    if (Object.keys(changes).length) await actions.updateChannel(channel.id, changes);
  }, { testid: 'channel-details-dialog' });
}

export function inviteDialog() {
  const workspaceId = state.workspaceId;
  const list = h('ul', { class: 'invite-list', 'data-testid': 'invite-list' });
  const role = h('select', { name: 'role', 'aria-label': 'Role for new people' },
    h('option', { value: 'member' }, 'Member'), h('option', { value: 'guest' }, 'Guest'), h('option', { value: 'admin' }, 'Admin'));
  const create = h('button', { type: 'button' }, 'Create invite link');
  const load = async () => {
    const { invites } = await api.get(`/workspaces/${workspaceId}/invites`);
    list.replaceChildren(...(invites.length ? invites.map((inv) => {
      const url = `${location.origin}/invite/${inv.code}`;
      return h('li', { class: 'invite' },
        h('input', { readonly: true, value: url, 'aria-label': `Invite link for a ${inv.role}`, onfocus: (e) => e.target.select() }),
        h('span', { class: 'muted' }, `${inv.role} · ${inv.uses} used · expires ${new Date(inv.expires_at).toLocaleDateString()}`),
        h('button', { type: 'button', class: 'secondary', onclick: () => navigator.clipboard?.writeText(url).then(() => toast('Link copied', 'info'), () => {}) }, 'Copy'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${inv.role} invite link`, onclick: async () => {
          try {
            await api.del(`/workspaces/${workspaceId}/invites/${inv.id}`);
            await load();
          } catch (err) { reportError(err); }
        } }, 'Revoke'));
    }) : [h('li', { class: 'muted' }, 'No active invite links.')]));
  };
  create.addEventListener('click', async () => {
    try {
      await api.post(`/workspaces/${workspaceId}/invites`, { role: role.value });
      await load();
      list.querySelector('input')?.focus();
    } catch (err) { reportError(err); }
  });
  openDialog('Invite people', [
    h('p', { class: 'muted' }, 'Anyone with a link can join this workspace with the chosen role until it expires or you revoke it.'),
    h('div', { class: 'inline-form' }, role, create),
    list,
  ], { testid: 'invite-dialog' });
  load().catch(reportError);
}

const MB = 1024 * 1024;

/** Admins: the workspace's name, the storage its files take, and the largest file allowed. */
export function workspaceSettingsDialog() {
  const workspaceId = state.workspaceId;
  const workspace = state.workspaces.get(workspaceId);
  const usage = h('p', { class: 'muted', 'data-testid': 'storage-usage', role: 'status' }, 'Loading storage…');
  const limit = h('input', { name: 'max_file_size', type: 'number', min: '0.01', step: '0.01', inputmode: 'decimal',
    'aria-describedby': 'max-size-hint', 'data-testid': 'max-file-size',
    value: workspace?.max_file_size ? String(+(workspace.max_file_size / MB).toFixed(2)) : '' });
  const hint = h('span', { id: 'max-size-hint', class: 'muted' }, 'In megabytes. Leave empty for the server’s limit.');
  let ceiling = null;
  formDialog('Workspace settings', [
    field('Name', h('input', { name: 'name', required: true, maxlength: 80, value: workspace?.name ?? '' })),
    h('fieldset', {}, h('legend', {}, 'Files'), usage, field('Largest file people may share (MB)', limit), hint),
  ], 'Save', async (data) => {
    const changes = {};
    const name = String(data.get('name')).trim();
    if (name && name !== workspace?.name) changes.name = name;
    const raw = String(data.get('max_file_size') ?? '').trim();
    const bytes = raw ? Math.round(Number(raw) * MB) : null;
    if (raw && !(bytes >= 1)) throw new Error('Enter a size in megabytes, e.g. 25');
    if (bytes && ceiling && bytes > ceiling) throw new Error(`The server allows at most ${formatSize(ceiling)}`);
    if (bytes !== (workspace?.max_file_size ?? null)) changes.max_file_size = bytes;
    if (!Object.keys(changes).length) return;
    await api.patch(`/workspaces/${workspaceId}`, changes);
    await actions.refreshWorkspaces();
    toast('Workspace settings saved', 'info');
  }, { testid: 'workspace-settings-dialog' });
  api.get(`/workspaces/${workspaceId}/storage`).then((s) => {
    ceiling = s.max_file_size_ceiling;
    limit.max = String(+(ceiling / MB).toFixed(2));
    usage.textContent = `${formatSize(s.used_bytes)} used by ${s.file_count} ${s.file_count === 1 ? 'file' : 'files'}. `
      + `Files may be up to ${formatSize(s.max_file_size)} (the server allows up to ${formatSize(ceiling)}).`;
  }, (err) => { usage.textContent = err.message; });
}
