// Slash commands (admins): the workspace's custom commands, making one (its verification token
// and signing secret shown once), editing and deleting one, and per command a new verification
// token, its signing secret on demand and its delivery log with Replay. The server refuses what
// the form cannot know (a built-in's or another command's name: 409 name_taken), and the form
// says why.

import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Bot, SlashCommand } from '../../api/types';
import { confirmDialog, Field, openDialog, useFormSubmit } from '../../shared/dialogs';
import { OneTimeSecret } from '../../shared/secret';
import * as actions from '../actions';
import { type CommandFields, type CommandSettings, commandChanges, commandFields, DELIVERY_KINDS, ownBots, signerLabel } from '../model';
import { state } from '../state';
import { ErrorLine, Loading, useAction, useStateChanges, When } from './common';
import { DeliveryLog } from './deliveries';

const loadedBots = (): Bot[] | null => (state.bots.status === 'ready' ? state.bots.value : null);

/** The bots a command may be signed as: people's bots (not webhooks' or commands'), and the
 *  command's current one whatever it is, so that saving an edit never changes it unasked. */
function signingBots(command: CommandSettings | undefined): Bot[] {
  const bots = loadedBots() ?? [];
  const own = ownBots(bots, state.webhooks.status === 'ready' ? state.webhooks.value : null,
    state.slashCommands.status === 'ready' ? state.slashCommands.value : null,
    state.outgoingWebhooks.status === 'ready' ? state.outgoingWebhooks.value : null);
  const current = bots.find((b) => b.id === command?.app_bot_id);
  return current && !own.includes(current) ? [...own, current] : own;
}

/** The secrets of a command just made: its verification token, and its own signing secret (a
 *  command signed as a bot uses the bot's, shown with the bot). Shown this once. */
function CommandSecrets({ command }: { command: SlashCommand }) {
  return (
    <div class="token-secret" data-testid="slash-command-secrets">
      <OneTimeSecret value={command.token} label={`Verification token of ${command.name}`} noun="verification token"
        testid="slash-command-token">
        <strong>Copy the verification token now. </strong>
        {'It is shown only once. Every request carries it as '}<code>token</code>
        {' (Slack’s older check; prefer the signature). Give the command a new one if it leaks.'}
      </OneTimeSecret>
      {command.app_bot_id === null
        ? (
          <OneTimeSecret value={command.signing_secret} label={`Signing secret of ${command.name}`} noun="signing secret"
            testid="slash-command-signing-secret" autoFocus={false}>
            {'Its requests are signed with this secret (Slack’s v0 scheme, '}<code>X-Slack-Signature</code>
            {'): check it, or let Bolt do it. Keep it secret.'}
          </OneTimeSecret>
        )
        : <p class="muted">{`Its requests are signed with ${signerLabel(command, loadedBots())}’s signing secret, as that bot’s events are.`}</p>}
    </div>
  );
}

/** The command's fields, empty for a new one or filled with the command's. */
function CommandForm({ command, submitLabel, onSubmit, close }: {
  command?: CommandSettings; submitLabel: string; close: () => void; onSubmit: (fields: CommandFields) => Promise<unknown>;
}) {
  useStateChanges();
  // The signing bot is the form's own state, not the <select>'s: until the bots have loaded the
  // select cannot show the command's, and saving then must not change it.
  const [appBot, setAppBot] = useState(command?.app_bot_id ? String(command.app_bot_id) : '');
  const { submit, busy, error } = useFormSubmit(async (form) => {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '');
    const fields = commandFields({ name: text('name'), url: text('url'), description: text('description'),
      usage_hint: text('usage_hint'), app_bot_id: appBot });
    if (!fields.name) throw new Error('Give the command a name, such as /deploy');
    if (!fields.url) throw new Error('Give the URL its requests are sent to');
    await onSubmit(fields);
  });
  const bots = signingBots(command);
  return (
    <form class="dialog-form" onSubmit={submit} data-testid="slash-command-form">
      <Field label="Command">
        <input name="name" required maxLength={33} autocomplete="off" spellcheck={false} placeholder="/deploy"
          defaultValue={command?.name ?? ''} data-testid="slash-command-name" aria-describedby="slash-command-name-hint" />
      </Field>
      <span id="slash-command-name-hint" class="muted">Letters, digits, - and _ after the slash; not a built-in’s name (/me, /help…).</span>
      <Field label="Request URL">
        <input name="url" type="url" required maxLength={2048} autocomplete="off" placeholder="https://deploy.example.com/slack/commands"
          defaultValue={command?.url ?? ''} data-testid="slash-command-url" />
      </Field>
      <Field label="Description (optional)">
        <input name="description" maxLength={250} autocomplete="off" placeholder="e.g. Ship a build"
          defaultValue={command?.description ?? ''} data-testid="slash-command-description" />
      </Field>
      <Field label="Usage hint (optional)">
        <input name="usage_hint" maxLength={250} autocomplete="off" placeholder="e.g. [environment]"
          defaultValue={command?.usage_hint ?? ''} data-testid="slash-command-usage" />
      </Field>
      <Field label="Sign requests with">
        <select name="app_bot_id" data-testid="slash-command-app-bot" aria-describedby="slash-command-app-bot-hint"
          value={appBot} onChange={(e) => setAppBot(e.currentTarget.value)}>
          <option value="">The command’s own signing secret</option>
          {bots.map((b) => (
            <option key={b.id} value={b.id}>{`@${b.username}’s signing secret${b.active ? '' : ' (deactivated)'}`}</option>
          ))}
        </select>
      </Field>
      <span id="slash-command-app-bot-hint" class="muted">
        {state.bots.status === 'loading' ? 'Loading bots… ' : ''}
        A bot’s secret lets one Slack app (a Bolt app, say) check its events and its commands with one secret.
      </span>
      <ErrorLine error={error} testid="slash-command-form-error" />
      <div class="dialog-buttons">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="submit" disabled={busy} data-testid="slash-command-save">{submitLabel}</button>
      </div>
    </form>
  );
}

function NewCommand({ close }: { close: () => void }) {
  const [made, setMade] = useState<SlashCommand | null>(null);
  if (made) {
    return (
      <div class="dialog-body" data-testid="new-slash-command-made">
        <p>{`${made.name} is ready: type it in any conversation of the workspace.`}</p>
        <CommandSecrets command={made} />
        <div class="dialog-buttons"><button type="button" data-testid="new-slash-command-done" onClick={close}>Done</button></div>
      </div>
    );
  }
  return (
    <CommandForm submitLabel="Make command" close={close}
      onSubmit={async (fields) => setMade(await actions.createSlashCommand(fields))} />
  );
}

function newCommandDialog(): void {
  openDialog('New slash command', (close) => <NewCommand close={close} />,
    { testid: 'new-slash-command-dialog', className: 'medium', focus: 'input[name="name"]' });
}

function editCommandDialog(command: CommandSettings): void {
  openDialog(`Edit ${command.name}`, (close) => (
    <CommandForm command={command} submitLabel="Save" close={close} onSubmit={async (fields) => {
      const changes = commandChanges(command, fields);
      if (Object.keys(changes).length) await actions.updateSlashCommand(command.id, changes);
      close();
    }} />
  ), { testid: 'edit-slash-command-dialog', className: 'medium', focus: 'input[name="name"]' });
}

// --- one command's details -----------------------------------------------------------------------

function VerificationToken({ command }: { command: CommandSettings }) {
  const [renewed, setRenewed] = useState<SlashCommand | null>(null);
  const { busy, error, run } = useAction();
  const regenerate = async () => {
    const sure = await confirmDialog(`A new verification token for ${command.name}?`,
      'Requests carry the new token from now on: an integration that checks the old one refuses them until it is given the new one.',
      { confirmLabel: 'Make a new token' });
    if (!sure) return;
    const answer = await run(() => actions.regenerateSlashCommandToken(command.id));
    if (answer) setRenewed(answer);
  };
  return (
    <section class="detail-part" aria-labelledby={`command-${command.id}-token`}>
      <h4 id={`command-${command.id}-token`}>Verification token</h4>
      <p class="muted">Sent as <code>token</code> in every request: Slack’s older check, which the signature replaces.</p>
      {renewed
        ? (
          <div class="token-secret">
            <OneTimeSecret value={renewed.token} label={`New verification token of ${command.name}`} noun="verification token"
              testid="slash-command-token" onDone={() => setRenewed(null)}>
              <strong>Copy the new token now. </strong>It is shown only once.
            </OneTimeSecret>
          </div>
        )
        : (
          <button type="button" class="secondary" disabled={busy} data-testid="slash-command-new-token" onClick={regenerate}>
            New token
          </button>
        )}
      <ErrorLine error={error} testid="slash-command-token-error" />
    </section>
  );
}

function SigningSecret({ command }: { command: CommandSettings }) {
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const show = async () => {
    const value = await run(() => actions.slashCommandSigningSecret(command.id));
    if (value) setSecret(value);
  };
  const signer = signerLabel(command, loadedBots());
  return (
    <section class="detail-part" aria-labelledby={`command-${command.id}-signing`}>
      <h4 id={`command-${command.id}-signing`}>Signing secret</h4>
      <p class="muted">
        {signer ? `Requests are signed with ${signer}’s signing secret` : 'Requests are signed with the command’s own signing secret'}
        {' (Slack’s v0 scheme, '}<code>X-Slack-Signature</code>{'), so the integration can check they come from here.'}
      </p>
      {secret
        ? (
          <div class="token-secret">
            <OneTimeSecret value={secret} label={`Signing secret of ${command.name}`} noun="signing secret"
              testid="slash-command-signing-secret" onDone={() => setSecret(null)}>
              Keep it secret: whoever has it can sign requests as this server.
            </OneTimeSecret>
          </div>
        )
        : <button type="button" class="secondary" disabled={busy} data-testid="slash-command-signing-show" onClick={show}>Show signing secret</button>}
      <ErrorLine error={error} />
    </section>
  );
}

function CommandDetails({ command }: { command: CommandSettings }) {
  return (
    <div class="integration-details" id={`command-${command.id}-details`} data-testid="slash-command-details">
      <VerificationToken command={command} />
      <SigningSecret command={command} />
      <DeliveryLog kind={DELIVERY_KINDS.slashCommand} integrationId={command.id} label={command.name} />
    </div>
  );
}

// --- the list ------------------------------------------------------------------------------------

const COLUMNS = 7;

function CommandRow({ command }: { command: CommandSettings }) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const remove = async () => {
    const sure = await confirmDialog(`Delete ${command.name}?`,
      'Running it answers “not a valid command” from now on, and its requests stop. What it answered stays.',
      { confirmLabel: 'Delete' });
    if (sure) await run(() => actions.deleteSlashCommand(command.id));
  };
  const signer = signerLabel(command, loadedBots());
  return (
    <>
      <tr data-testid="slash-command-row" data-command-id={command.id} data-command={command.name}>
        <th scope="row"><code>{command.name}</code></th>
        <td>{command.description || <span class="muted">—</span>}</td>
        <td>{command.usage_hint ? <code>{command.usage_hint}</code> : <span class="muted">—</span>}</td>
        <td><code class="clip" title={command.url}>{command.url}</code></td>
        <td>{signer || <span class="muted">none</span>}</td>
        <td><When iso={command.created_at} /></td>
        <td class="row-actions">
          <button type="button" class="secondary" aria-expanded={open ? 'true' : 'false'} aria-controls={`command-${command.id}-details`}
            aria-label={`Manage ${command.name}`} data-testid="slash-command-manage" onClick={() => setOpen(!open)}>
            {open ? 'Close' : 'Manage'}
          </button>
          <button type="button" class="secondary" disabled={busy} aria-label={`Edit ${command.name}`} data-testid="slash-command-edit"
            onClick={() => editCommandDialog(command)}>Edit</button>
          <button type="button" class="danger" disabled={busy} aria-label={`Delete ${command.name}`} data-testid="slash-command-delete"
            onClick={remove}>Delete</button>
        </td>
      </tr>
      {error ? <tr class="row-error"><td colSpan={COLUMNS}><ErrorLine error={error} testid="slash-command-error" /></td></tr> : null}
      {open ? <tr class="details-row"><td colSpan={COLUMNS}><CommandDetails command={command} /></td></tr> : null}
    </>
  );
}

export function SlashCommands() {
  useEffect(() => {
    void actions.loadSlashCommands();
    // Bots: who signs each command, and the choice in its form (without incoming and outgoing webhooks' bots).
    if (state.bots.status !== 'ready') void actions.loadBots();
    if (state.webhooks.status !== 'ready') void actions.loadWebhooks();
    if (state.outgoingWebhooks.status !== 'ready') void actions.loadOutgoingWebhooks();
  }, []);
  const commands = state.slashCommands;
  let body: JSX.Element;
  if (commands.status === 'loading') body = <Loading what="slash commands" />;
  else if (commands.status === 'error') body = <ErrorLine error={commands.message} testid="slash-commands-error" />;
  else if (!commands.value.length) {
    body = (
      <p class="empty-state" data-testid="slash-commands-empty">
        No slash commands yet. Make one to let people run a deploy, look something up or open a ticket from the composer.
      </p>
    );
  } else {
    body = (
      <table class="integration-table commands-table" data-testid="slash-commands-table">
        <caption class="visually-hidden">Slash commands</caption>
        <thead>
          <tr>
            <th scope="col">Command</th><th scope="col">Description</th><th scope="col">Usage hint</th>
            <th scope="col">Request URL</th><th scope="col">App bot</th><th scope="col">Created</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>{commands.value.map((c) => <CommandRow key={c.id} command={c} />)}</tbody>
      </table>
    );
  }
  return (
    <>
      <div class="section-intro">
        <p class="muted">
          {'Commands people type in the composer (/deploy, /weather): each run is sent to a URL of yours as Slack’s signed '}
          {'slash-command request, and its answer is shown to them or posted in the conversation.'}
        </p>
        <button type="button" data-testid="new-slash-command" onClick={newCommandDialog}>New slash command</button>
      </div>
      {body}
    </>
  );
}
