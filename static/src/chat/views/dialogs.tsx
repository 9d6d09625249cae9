// Modal dialogs on the native <dialog> element: focus stays inside, Escape closes them, and
// focus returns to the control that opened them. Each dialog is a Preact tree mounted into its
// <dialog> when it opens and unmounted when it closes.

import type { ComponentChildren, JSX, VNode } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Channel, Invite, StorageUsage } from '../../api/types';
import * as actions from '../actions';
import { api } from '../api';
import { Icon } from '../icons';
import { displayName, isAdmin, isDirect, state } from '../state';
import { reportError, toast } from '../toast';
import { formatSize } from '../uploads';

export interface DialogOptions {
  testid?: string;
  wide?: boolean;
  /** An extra class on the <dialog> (e.g. 'medium'). */
  className?: string;
  /** A selector inside the dialog: that element gets the focus once the dialog is open. */
  focus?: string;
}

/** Close the dialog that holds `el` (a control inside it). */
export function closeDialogOf(el: Element | null): void {
  el?.closest('dialog')?.close();
}

let dialogCount = 0;

/** Open a modal dialog titled `title` with `content` (a function of close, or a vnode) below its
 *  header. Returns the <dialog>; closing it unmounts the content and removes the element. */
export function openDialog(title: string, content: VNode | ((close: () => void) => VNode),
  { testid, wide = false, className, focus }: DialogOptions = {}): HTMLDialogElement {
  const opener = document.activeElement;
  const headingId = `dlg-${Math.random().toString(36).slice(2)}${++dialogCount}`;
  const dialog = document.createElement('dialog');
  dialog.className = [wide ? 'dialog wide' : 'dialog', className].filter(Boolean).join(' ');
  dialog.setAttribute('aria-labelledby', headingId);
  if (testid) dialog.dataset.testid = testid;
  const close = () => dialog.close();
  render(
    <>
      <header class="dialog-header">
        <h2 id={headingId}>{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={close}><Icon name="x" /></button>
      </header>
      {typeof content === 'function' ? content(close) : content}
    </>,
    dialog,
  );
  dialog.addEventListener('close', () => {
    render(null, dialog);
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  if (focus) dialog.querySelector<HTMLElement>(focus)?.focus();
  return dialog;
}

const messageOf = (err: unknown): string => (err instanceof Error && err.message) || 'Something went wrong';

/** A form's submit handler: run(form) may throw, and what describe() makes of the error is
 *  kept for the form's error line until the next try. */
export function useFormSubmit(run: (form: HTMLFormElement) => Promise<unknown> | unknown,
  describe: (err: unknown) => string = messageOf) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(null);
    try {
      await run(form);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}

/** The body of a form dialog: onSubmit(formData) may throw to keep the dialog open with the error shown. */
function DialogForm({ children, submitLabel, onSubmit, close }: {
  children: ComponentChildren; submitLabel: string; close: () => void;
  onSubmit: (data: FormData) => Promise<unknown> | unknown;
}) {
  const { submit, busy, error } = useFormSubmit(async (form) => {
    await onSubmit(new FormData(form));
    close();
  });
  return (
    <form class="dialog-form" onSubmit={submit}>
      {children}
      <p class="form-error" role="alert" hidden={error === null}>{error ?? ''}</p>
      <div class="dialog-buttons">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="submit" disabled={busy}>{submitLabel}</button>
      </div>
    </form>
  );
}

/** A form dialog: onSubmit(formData) may throw to keep the dialog open with the error shown. */
export function formDialog(title: string, fields: ComponentChildren | ((close: () => void) => ComponentChildren),
  submitLabel: string, onSubmit: (data: FormData) => Promise<unknown> | unknown, opts: DialogOptions = {}): HTMLDialogElement {
  return openDialog(title, (close) => (
    <DialogForm submitLabel={submitLabel} onSubmit={onSubmit} close={close}>
      {typeof fields === 'function' ? fields(close) : fields}
    </DialogForm>
  ), { focus: '.dialog-form input, .dialog-form select, .dialog-form textarea', ...opts });
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  // biome-ignore lint/a11y/noLabelWithoutControl: the control comes in as children
  return <label class="field"><span>{label}</span>{children}</label>;
}

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
