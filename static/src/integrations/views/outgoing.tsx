// Outgoing webhooks (admins): the workspace's hooks, making one (its token shown once), editing
// and deleting one, and per hook a new token and its delivery log with Replay. What the form
// cannot know the server says (a channel the admin may not read, a hook for any public channel
// without trigger words: 400 invalid, or 409 nothing_to_match for an edit), beside the field
// its error names.

import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { OutgoingWebhook } from '../../api/types';
import { ApiError } from '../../shared/api';
import { confirmDialog, Field, messageOf, openDialog, useFormSubmit } from '../../shared/dialogs';
import { OneTimeSecret } from '../../shared/secret';
import * as actions from '../actions';
import {
  CONTENT_TYPE_LABELS, channelLabel, DELIVERY_KINDS, type HookFields, type HookSettings, hookChanges, hookFields, hookFormPart,
  MAX_CALLBACK_URLS, TRIGGER_WHEN_LABELS, watchedChannels,
} from '../model';
import { state } from '../state';
import { ErrorLine, Loading, useAction, useStateChanges, When } from './common';
import { DeliveryLog } from './deliveries';

const loadedChannels = () => (state.channels.status === 'ready' ? state.channels.value : null);

function HookToken({ token, name, onDone }: { token: string; name: string; onDone?: () => void }) {
  return (
    <div class="token-secret">
      <OneTimeSecret value={token} label={`Token of outgoing webhook ${name}`} noun="token" testid="outgoing-webhook-token"
        onDone={onDone}>
        <strong>Copy the token now. </strong>
        {'It is shown only once. Every request carries it as '}<code>token</code>
        {': the receiver checks it, as it is the only proof a request comes from here. Give the hook a new one if it leaks.'}
      </OneTimeSecret>
    </div>
  );
}

// --- the form ------------------------------------------------------------------------------------

/** A refusal the form makes itself, beside the part it names. */
class PartError extends Error {
  constructor(message: string, readonly part: keyof HookFields) {
    super(message);
  }
}

let urlKeys = 0;
const urlRow = (value: string) => ({ key: ++urlKeys, value });

/** The hook's fields, empty for a new one or filled with the hook's. A server error that names a
 *  field shows under that part of the form; any other at its end. */
function HookForm({ hook, submitLabel, onSubmit, close }: {
  hook?: HookSettings; submitLabel: string; close: () => void; onSubmit: (fields: HookFields) => Promise<unknown>;
}) {
  useStateChanges();
  // Channels and URLs are the form's own state: the checkboxes may not all be shown (a private
  // channel the admin is not in), and URL rows come and go.
  const [channelIds, setChannelIds] = useState<number[]>(hook?.channel_ids ?? []);
  const [urls, setUrls] = useState(() => (hook?.callback_urls.length ? hook.callback_urls : ['']).map(urlRow));
  // Selects are controlled: Preact gives a <select> no default value of its own.
  const [triggerWhen, setTriggerWhen] = useState<HookFields['trigger_when']>(hook?.trigger_when ?? 'first_word');
  const [contentType, setContentType] = useState<HookFields['content_type']>(hook?.content_type ?? 'application/json');
  const [errorPart, setErrorPart] = useState<keyof HookFields | null>(null);
  const { submit, busy, error } = useFormSubmit(async (form) => {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '');
    const fields = hookFields({
      name: text('name'), description: text('description'), icon_url: text('icon_url'), channel_ids: channelIds,
      trigger_words: text('trigger_words'), trigger_when: triggerWhen, callback_urls: urls.map((u) => u.value), content_type: contentType,
      ignore_bots: data.get('ignore_bots') === 'on',
    });
    if (!fields.name) throw new PartError('Give the hook a name: its replies show it', 'name');
    if (!fields.callback_urls.length) throw new PartError('Give at least one callback URL: where matching messages are sent', 'callback_urls');
    await onSubmit(fields);
  }, (err) => {
    setErrorPart(err instanceof PartError ? err.part : err instanceof ApiError ? hookFormPart(err.field) : null);
    return messageOf(err);
  });
  const errorAt = (part: keyof HookFields | null) => (error && errorPart === part
    ? <ErrorLine error={error} testid="outgoing-webhook-form-error" />
    : null);
  const channels = loadedChannels();
  // Every pickable channel, and the hook's own ones this admin cannot list (kept unless unticked).
  const choices = [...(channels?.values() ?? [])].map((c) => ({ id: c.id, label: `#${c.name}` }));
  for (const id of hook?.channel_ids ?? []) {
    if (channels && !channels.has(id)) choices.push({ id, label: channelLabel(id, channels) });
  }
  const toggleChannel = (id: number, on: boolean) =>
    setChannelIds(on ? [...channelIds.filter((c) => c !== id), id] : channelIds.filter((c) => c !== id));
  const setUrl = (key: number, value: string) => setUrls(urls.map((u) => (u.key === key ? { key, value } : u)));
  return (
    <form class="dialog-form" onSubmit={submit} data-testid="outgoing-webhook-form">
      <Field label="Name">
        <input name="name" required maxLength={80} autocomplete="off" placeholder="e.g. Weather" defaultValue={hook?.name ?? ''}
          aria-invalid={errorPart === 'name' && error ? 'true' : undefined} data-testid="outgoing-webhook-name" />
      </Field>
      {errorAt('name')}
      <fieldset data-testid="outgoing-webhook-channels" aria-describedby="outgoing-webhook-channels-hint">
        <legend>Channels</legend>
        <span id="outgoing-webhook-channels-hint" class="muted">
          {state.channels.status === 'loading' ? 'Loading channels… ' : ''}
          None ticked: any public channel (then it needs trigger words). Direct conversations are never watched.
        </span>
        {state.channels.status === 'error' ? <ErrorLine error={state.channels.message} /> : null}
        <div class="pick-list">
          {choices.map((c) => (
            <label key={c.id} class="choice">
              <input type="checkbox" checked={channelIds.includes(c.id)} data-testid="outgoing-webhook-channel"
                data-channel-id={c.id} onChange={(e) => toggleChannel(c.id, e.currentTarget.checked)} />
              <span>{c.label}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {errorAt('channel_ids')}
      <Field label="Trigger words">
        <input name="trigger_words" autocomplete="off" spellcheck={false} placeholder="e.g. weather, forecast"
          defaultValue={hook?.trigger_words.join(', ') ?? ''} aria-describedby="outgoing-webhook-trigger-hint"
          aria-invalid={errorPart === 'trigger_words' && error ? 'true' : undefined} data-testid="outgoing-webhook-triggers" />
      </Field>
      <span id="outgoing-webhook-trigger-hint" class="muted">
        Separated by commas or spaces, case aside. None: every message of its channels is sent.
      </span>
      {errorAt('trigger_words')}
      <Field label="A message matches when its">
        <select name="trigger_when" value={triggerWhen} data-testid="outgoing-webhook-trigger-when"
          onChange={(e) => setTriggerWhen(e.currentTarget.value === 'starts_with' ? 'starts_with' : 'first_word')}>
          <option value="first_word">first word is a trigger word</option>
          <option value="starts_with">first word starts with a trigger word</option>
        </select>
      </Field>
      {errorAt('trigger_when')}
      <fieldset data-testid="outgoing-webhook-urls">
        <legend>Callback URLs</legend>
        <span class="muted">{`Each gets every matching message, and its JSON reply is posted (1 to ${MAX_CALLBACK_URLS}).`}</span>
        {urls.map((u, i) => (
          <div key={u.key} class="inline-form">
            <input type="url" required={i === 0} maxLength={2048} autocomplete="off" value={u.value}
              placeholder="https://bots.example.com/weather" aria-label={`Callback URL ${i + 1}`}
              aria-invalid={errorPart === 'callback_urls' && error ? 'true' : undefined} data-testid="outgoing-webhook-url"
              onInput={(e) => setUrl(u.key, e.currentTarget.value)} />
            {urls.length > 1
              ? (
                <button type="button" class="secondary" aria-label={`Remove callback URL ${i + 1}`} data-testid="outgoing-webhook-url-remove"
                  onClick={() => setUrls(urls.filter((x) => x.key !== u.key))}>Remove</button>
              )
              : null}
          </div>
        ))}
        <button type="button" class="link" disabled={urls.length >= MAX_CALLBACK_URLS} data-testid="outgoing-webhook-url-add"
          onClick={() => setUrls([...urls, urlRow('')])}>Add a URL</button>
      </fieldset>
      {errorAt('callback_urls')}
      <Field label="Send as">
        <select name="content_type" value={contentType} data-testid="outgoing-webhook-content-type"
          onChange={(e) => setContentType(e.currentTarget.value === 'application/x-www-form-urlencoded'
            ? 'application/x-www-form-urlencoded' : 'application/json')}>
          <option value="application/json">JSON (application/json)</option>
          <option value="application/x-www-form-urlencoded">A form (application/x-www-form-urlencoded)</option>
        </select>
      </Field>
      {errorAt('content_type')}
      <Field label="Description (optional)">
        <input name="description" maxLength={250} autocomplete="off" placeholder="e.g. The forecast for a city"
          defaultValue={hook?.description ?? ''} data-testid="outgoing-webhook-description" />
      </Field>
      {errorAt('description')}
      <Field label="Icon URL (optional)">
        <input name="icon_url" type="url" maxLength={2048} autocomplete="off" placeholder="https://…/icon.png"
          defaultValue={hook?.icon_url ?? ''} data-testid="outgoing-webhook-icon" />
      </Field>
      {errorAt('icon_url')}
      <label class="choice">
        <input type="checkbox" name="ignore_bots" defaultChecked={hook?.ignore_bots ?? true} data-testid="outgoing-webhook-ignore-bots" />
        <span>Ignore bots’ messages (its own are never sent), so it cannot answer another integration forever</span>
      </label>
      {errorAt('ignore_bots')}
      {errorAt(null)}
      <div class="dialog-buttons">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="submit" disabled={busy} data-testid="outgoing-webhook-save">{submitLabel}</button>
      </div>
    </form>
  );
}

function NewHook({ close }: { close: () => void }) {
  const [made, setMade] = useState<OutgoingWebhook | null>(null);
  if (made) {
    return (
      <div class="dialog-body" data-testid="new-outgoing-webhook-made">
        <p>{`${made.name} is ready: matching messages are sent to its URLs from now on.`}</p>
        <HookToken token={made.token} name={made.name} />
        <div class="dialog-buttons"><button type="button" data-testid="new-outgoing-webhook-done" onClick={close}>Done</button></div>
      </div>
    );
  }
  return (
    <HookForm submitLabel="Make outgoing webhook" close={close}
      onSubmit={async (fields) => setMade(await actions.createOutgoingWebhook(fields))} />
  );
}

function newHookDialog(): void {
  openDialog('New outgoing webhook', (close) => <NewHook close={close} />,
    { testid: 'new-outgoing-webhook-dialog', className: 'medium', focus: 'input[name="name"]' });
}

function editHookDialog(hook: HookSettings): void {
  openDialog(`Edit ${hook.name}`, (close) => (
    <HookForm hook={hook} submitLabel="Save" close={close} onSubmit={async (fields) => {
      const changes = hookChanges(hook, fields);
      if (Object.keys(changes).length) await actions.updateOutgoingWebhook(hook.id, changes);
      close();
    }} />
  ), { testid: 'edit-outgoing-webhook-dialog', className: 'medium', focus: 'input[name="name"]' });
}

// --- one hook's details --------------------------------------------------------------------------

function Token({ hook }: { hook: HookSettings }) {
  const [renewed, setRenewed] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const regenerate = async () => {
    const sure = await confirmDialog(`A new token for ${hook.name}?`,
      'Requests carry the new token from now on: a receiver that checks the old one refuses them until it is given the new one.',
      { confirmLabel: 'Make a new token' });
    if (!sure) return;
    const answer = await run(() => actions.regenerateOutgoingWebhookToken(hook.id));
    if (answer) setRenewed(answer.token);
  };
  return (
    <section class="detail-part" aria-labelledby={`outgoing-${hook.id}-token`}>
      <h4 id={`outgoing-${hook.id}-token`}>Token</h4>
      <p class="muted">
        {'Sent as '}<code>token</code>{' in every request (unsigned, as Mattermost and Slack send them): the receiver checks it. '}
        {'This one was made '}<When iso={hook.token_changed_at} />.
      </p>
      {renewed
        ? <HookToken token={renewed} name={hook.name} onDone={() => setRenewed(null)} />
        : (
          <button type="button" class="secondary" disabled={busy} data-testid="outgoing-webhook-new-token" onClick={regenerate}>
            New token
          </button>
        )}
      <ErrorLine error={error} testid="outgoing-webhook-token-error" />
    </section>
  );
}

function HookDetails({ hook }: { hook: HookSettings }) {
  return (
    <div class="integration-details" id={`outgoing-${hook.id}-details`} data-testid="outgoing-webhook-details">
      <Token hook={hook} />
      <DeliveryLog kind={DELIVERY_KINDS.outgoingWebhook} integrationId={hook.id} label={hook.name} />
    </div>
  );
}

// --- the list ------------------------------------------------------------------------------------

const COLUMNS = 7;

function HookRow({ hook }: { hook: HookSettings }) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const remove = async () => {
    const sure = await confirmDialog(`Delete ${hook.name}?`,
      'Nothing more is sent to its URLs. What it posted stays.', { confirmLabel: 'Delete' });
    if (sure) await run(() => actions.deleteOutgoingWebhook(hook.id));
  };
  return (
    <>
      <tr data-testid="outgoing-webhook-row" data-hook-id={hook.id} data-hook={hook.name}>
        <th scope="row">
          {hook.name}
          {hook.description ? <div class="muted">{hook.description}</div> : null}
        </th>
        <td data-testid="outgoing-webhook-channels-cell">{watchedChannels(hook, loadedChannels())}</td>
        <td data-testid="outgoing-webhook-triggers-cell">
          {hook.trigger_words.length
            ? <>{hook.trigger_words.map((w, i) => <span key={i}>{i ? ', ' : ''}<code>{w}</code></span>)}
              <div class="muted">{TRIGGER_WHEN_LABELS[hook.trigger_when]}</div></>
            : <span class="muted">every message</span>}
        </td>
        <td>{hook.callback_urls.map((u, i) => <div key={i}><code class="clip" title={u}>{u}</code></div>)}</td>
        <td>{CONTENT_TYPE_LABELS[hook.content_type]}</td>
        <td><When iso={hook.created_at} /></td>
        <td class="row-actions">
          <button type="button" class="secondary" aria-expanded={open ? 'true' : 'false'} aria-controls={`outgoing-${hook.id}-details`}
            aria-label={`Manage ${hook.name}`} data-testid="outgoing-webhook-manage" onClick={() => setOpen(!open)}>
            {open ? 'Close' : 'Manage'}
          </button>
          <button type="button" class="secondary" disabled={busy} aria-label={`Edit ${hook.name}`} data-testid="outgoing-webhook-edit"
            onClick={() => editHookDialog(hook)}>Edit</button>
          <button type="button" class="danger" disabled={busy} aria-label={`Delete ${hook.name}`} data-testid="outgoing-webhook-delete"
            onClick={remove}>Delete</button>
        </td>
      </tr>
      {error ? <tr class="row-error"><td colSpan={COLUMNS}><ErrorLine error={error} testid="outgoing-webhook-error" /></td></tr> : null}
      {open ? <tr class="details-row"><td colSpan={COLUMNS}><HookDetails hook={hook} /></td></tr> : null}
    </>
  );
}

export function OutgoingWebhooks() {
  useEffect(() => {
    void actions.loadOutgoingWebhooks();
    // Channels: the ones each hook watches, by name, and the choice in its form.
    if (state.channels.status !== 'ready') void actions.loadDirectory();
  }, []);
  const hooks = state.outgoingWebhooks;
  let body: JSX.Element;
  if (hooks.status === 'loading') body = <Loading what="outgoing webhooks" />;
  else if (hooks.status === 'error') body = <ErrorLine error={hooks.message} testid="outgoing-webhooks-error" />;
  else if (!hooks.value.length) {
    body = (
      <p class="empty-state" data-testid="outgoing-webhooks-empty">
        No outgoing webhooks yet. Make one to send the messages that start with a trigger word to a bot of yours, and post its reply.
      </p>
    );
  } else {
    body = (
      <table class="integration-table commands-table" data-testid="outgoing-webhooks-table">
        <caption class="visually-hidden">Outgoing webhooks</caption>
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Channels</th><th scope="col">Trigger words</th>
            <th scope="col">Callback URLs</th><th scope="col">Sent as</th><th scope="col">Created</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>{hooks.value.map((h) => <HookRow key={h.id} hook={h} />)}</tbody>
      </table>
    );
  }
  return (
    <>
      <div class="section-intro">
        <p class="muted">
          {'Messages of a channel, or that start with a trigger word, sent to a URL of yours as Mattermost’s and Slack’s '}
          {'outgoing webhooks send them; its JSON reply is posted back as the hook.'}
        </p>
        <button type="button" data-testid="new-outgoing-webhook" onClick={newHookDialog}>New outgoing webhook</button>
      </div>
      {body}
    </>
  );
}
