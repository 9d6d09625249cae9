// Incoming webhooks: the list (admins see every one of the workspace, others those they made),
// making one for a channel, its secret URL shown once, a new URL, and revoking.

import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { NewWebhook, Webhook } from '../../api/types';
import { confirmDialog, Field, openDialog, useFormSubmit } from '../../shared/dialogs';
import { OneTimeSecret } from '../../shared/secret';
import * as actions from '../actions';
import { channelLabel, orderWebhooks } from '../model';
import { isAdmin, personName, state } from '../state';
import { ErrorLine, Loading, Tag, useAction, useStateChanges, When } from './common';

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** The secret URL of a webhook just made or given a new one: shown this once. */
function WebhookUrl({ webhook, close }: { webhook: NewWebhook; close: () => void }) {
  return (
    <div class="dialog-body token-secret" data-testid="webhook-secret">
      <OneTimeSecret value={webhook.url} label={`URL of webhook ${webhook.name}`} noun="webhook URL" testid="webhook-url">
        <strong>Copy this URL now. </strong>
        {`It is shown only once: the server keeps no copy of it. Anyone who has it can post into ${channelLabel(webhook.channel_id, channelsById())} as “${webhook.name}”; give the webhook a new URL or revoke it if it leaks.`}
      </OneTimeSecret>
      <p class="muted">
        {'Post Slack or Mattermost payloads to it, e.g. '}
        <code>{`curl -X POST -H 'Content-type: application/json' --data '{"text": "Hello"}' "$WEBHOOK_URL"`}</code>
      </p>
      <div class="dialog-buttons"><button type="button" data-testid="webhook-secret-done" onClick={close}>Done</button></div>
    </div>
  );
}

const channelsById = () => (state.channels.status === 'ready' ? state.channels.value : new Map());

function NewWebhookForm({ close }: { close: () => void }) {
  useStateChanges();
  const [created, setCreated] = useState<NewWebhook | null>(null);
  const { submit, busy, error } = useFormSubmit(async (form) => {
    const data = new FormData(form);
    const channelId = Number(data.get('channel_id'));
    if (!channelId) throw new Error('Choose the channel it posts into');
    const name = String(data.get('name') ?? '').trim();
    if (!name) throw new Error('Give it a name: its posts show it');
    const icon = String(data.get('icon_url') ?? '').trim();
    setCreated(await actions.createWebhook({ channel_id: channelId, name, icon_url: icon || null }));
  });
  if (created) return <WebhookUrl webhook={created} close={close} />;
  const channels = state.channels;
  return (
    <form class="dialog-form" onSubmit={submit} data-testid="new-webhook-form">
      <p class="muted">It posts into one channel, as a bot named after it, wherever you may post.</p>
      <Field label="Channel">
        <select name="channel_id" required data-testid="webhook-channel" disabled={channels.status !== 'ready'}>
          <option value="">{channels.status === 'loading' ? 'Loading channels…' : 'Choose a channel'}</option>
          {channels.status === 'ready'
            ? [...channels.value.values()].map((c) => <option key={c.id} value={c.id}>{`#${c.name}`}</option>)
            : null}
        </select>
      </Field>
      {channels.status === 'error' ? <ErrorLine error={`The channels could not be loaded: ${channels.message}`} /> : null}
      <Field label="Name"><input name="name" required maxLength={80} autocomplete="off" placeholder="e.g. Build alerts" data-testid="webhook-name" /></Field>
      <Field label="Icon URL (optional)">
        <input name="icon_url" type="url" maxLength={2048} autocomplete="off" placeholder="https://example.com/icon.png" data-testid="webhook-icon" />
      </Field>
      <ErrorLine error={error} testid="new-webhook-error" />
      <div class="dialog-buttons">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="submit" disabled={busy} data-testid="webhook-create">Make webhook</button>
      </div>
    </form>
  );
}

function newWebhookDialog(): void {
  if (state.channels.status !== 'ready') void actions.loadDirectory();
  openDialog('New incoming webhook', (close) => <NewWebhookForm close={close} />,
    { testid: 'new-webhook-dialog', className: 'medium', focus: 'select[name="channel_id"]' });
}

function WebhookRow({ webhook }: { webhook: Webhook }) {
  const { busy, error, run } = useAction();
  const regenerate = async () => {
    const sure = await confirmDialog(`A new URL for “${webhook.name}”?`,
      'Its current URL stops working at once: whatever posts to it must be given the new one.',
      { confirmLabel: 'Make a new URL' });
    if (!sure) return;
    const renewed = await run(() => actions.regenerateWebhook(webhook.id));
    if (renewed) {
      openDialog(`New URL for “${webhook.name}”`, (close) => <WebhookUrl webhook={renewed} close={close} />,
        { testid: 'webhook-secret-dialog', className: 'medium' });
    }
  };
  const revoke = async () => {
    const sure = await confirmDialog(`Revoke “${webhook.name}”?`,
      'Its URL stops working for good (it answers no_service). What it posted stays.', { confirmLabel: 'Revoke' });
    if (sure) await run(() => actions.revokeWebhook(webhook.id));
  };
  return (
    <>
      <tr data-testid="webhook-row" data-webhook-id={webhook.id} class={webhook.revoked ? 'revoked' : undefined}>
        <th scope="row">{webhook.name}</th>
        <td>{channelLabel(webhook.channel_id, channelsById())}</td>
        <td>
          {webhook.icon_url
            ? <a href={webhook.icon_url} target="_blank" rel="noopener noreferrer">{hostOf(webhook.icon_url)}</a>
            : <span class="muted">none</span>}
        </td>
        <td>{personName(webhook.created_by)}</td>
        <td><When iso={webhook.created_at} /></td>
        <td>
          <code title="the start of its secret">{`…/hooks/${webhook.prefix}…`}</code>
          {webhook.revoked ? <> <Tag tone="bad">revoked</Tag></> : null}
        </td>
        <td class="row-actions">
          {webhook.revoked
            ? <When iso={webhook.revoked_at} />
            : (
              <>
                <button type="button" class="secondary" disabled={busy} aria-label={`New URL for webhook ${webhook.name}`}
                  data-testid="webhook-regenerate" onClick={regenerate}>New URL</button>
                <button type="button" class="danger" disabled={busy} aria-label={`Revoke webhook ${webhook.name}`}
                  data-testid="webhook-revoke" onClick={revoke}>Revoke</button>
              </>
            )}
        </td>
      </tr>
      {error ? <tr class="row-error"><td colSpan={7}><ErrorLine error={error} testid="webhook-error" /></td></tr> : null}
    </>
  );
}

/** Admins: the workspace setting that lets members make webhooks too. */
function MembersMayMake() {
  const { busy, error, run } = useAction();
  return (
    <div class="setting">
      <label class="choice">
        <input type="checkbox" checked={state.workspace.members_create_webhooks} disabled={busy} data-testid="members-create-webhooks"
          onChange={(e) => run(() => actions.setMembersCreateWebhooks(e.currentTarget.checked))} />
        <span>Members may make incoming webhooks too, for channels they may post in (guests never)</span>
      </label>
      <ErrorLine error={error} />
    </div>
  );
}

export function IncomingWebhooks() {
  useEffect(() => {
    void actions.loadWebhooks();
    if (state.channels.status !== 'ready') void actions.loadDirectory();
  }, []);
  const webhooks = state.webhooks;
  let body: JSX.Element;
  if (webhooks.status === 'loading') body = <Loading what="webhooks" />;
  else if (webhooks.status === 'error') body = <ErrorLine error={webhooks.message} testid="webhooks-error" />;
  else if (!webhooks.value.length) {
    body = (
      <p class="empty-state" data-testid="webhooks-empty">
        No incoming webhooks yet. Make one to let a CI server, a monitoring system or a script post into a channel.
      </p>
    );
  } else {
    body = (
      <table class="integration-table" data-testid="webhooks-table">
        <caption class="visually-hidden">Incoming webhooks</caption>
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Channel</th><th scope="col">Icon</th><th scope="col">Made by</th>
            <th scope="col">Created</th><th scope="col">URL</th><th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>{orderWebhooks(webhooks.value).map((w) => <WebhookRow key={w.id} webhook={w} />)}</tbody>
      </table>
    );
  }
  return (
    <>
      <div class="section-intro">
        <p class="muted">
          {'Secret URLs that post into a channel: point a Slack or Mattermost integration (CI, monitoring, a '}
          {'script) at one and it works unchanged. '}
          {state.workspace.role === 'member' ? 'You see the webhooks you made.' : 'You see every webhook of the workspace.'}
        </p>
        <button type="button" data-testid="new-webhook" onClick={newWebhookDialog}>New incoming webhook</button>
      </div>
      {isAdmin() ? <MembersMayMake /> : null}
      {body}
    </>
  );
}
