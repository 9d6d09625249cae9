// Bots (admins): the list, making one (with its first token, shown once), and per bot its
// tokens, its signing secret, its Events API request URL, its delivery log, and deactivating
// or reactivating it. The bots incoming webhooks, slash commands and outgoing webhooks post as are
// not listed: they are the webhooks' and the commands'.

import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Bot, NewToken, Token } from '../../api/types';
import { confirmDialog, Field, openDialog, useFormSubmit } from '../../shared/dialogs';
import { OneTimeSecret } from '../../shared/secret';
import * as actions from '../actions';
import { DELIVERY_KINDS, ownBots } from '../model';
import { state } from '../state';
import { ErrorLine, Loading, Tag, useAction, useStateChanges, When } from './common';
import { DeliveryLog } from './deliveries';

function BotToken({ token, onDone }: { token: NewToken; onDone?: () => void }) {
  return (
    <div class="token-secret" data-testid="bot-token-secret">
      <OneTimeSecret value={token.token} label={`Secret of bot token ${token.name}`} noun="token" testid="bot-token"
        onDone={onDone}>
        <strong>Copy this token now. </strong>
        It is shown only once: the server keeps no copy of it. The bot acts with it as “Authorization: Bearer …”;
        revoke it if it leaks.
      </OneTimeSecret>
    </div>
  );
}

function NewBotForm({ close }: { close: () => void }) {
  useStateChanges();
  const [made, setMade] = useState<{ bot: Bot; token: NewToken | null; tokenError: string | null } | null>(null);
  const { submit, busy, error } = useFormSubmit(async (form) => {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    if (!text('name')) throw new Error('Give the bot a name');
    const bot = await actions.createBot({ name: text('name'), handle: text('handle').replace(/^@/, '') || null,
      description: text('description'), icon_url: text('icon_url') || null });
    try {
      setMade({ bot, token: await actions.createBotToken(bot.id, 'Made with the bot'), tokenError: null });
    } catch (err) {
      setMade({ bot, token: null, tokenError: (err instanceof Error && err.message) || 'Something went wrong' });
    }
  });
  if (made) {
    return (
      <div class="dialog-body" data-testid="new-bot-made">
        <p>{`@${made.bot.username} is ready. Add it to the channels it should read and post in.`}</p>
        {made.token ? <BotToken token={made.token} /> : null}
        <ErrorLine error={made.tokenError && `The bot was made but its token was not: ${made.tokenError}. Make one from its details.`} />
        <div class="dialog-buttons"><button type="button" data-testid="new-bot-done" onClick={close}>Done</button></div>
      </div>
    );
  }
  return (
    <form class="dialog-form" onSubmit={submit} data-testid="new-bot-form">
      <Field label="Name"><input name="name" required maxLength={80} autocomplete="off" placeholder="e.g. Build Bot" data-testid="bot-name" /></Field>
      <Field label="Handle (optional)">
        <input name="handle" maxLength={33} autocomplete="off" placeholder="build-bot" data-testid="bot-handle"
          aria-describedby="bot-handle-hint" />
      </Field>
      <span id="bot-handle-hint" class="muted">Its @name: letters, digits and _.- ; made from the name when empty.</span>
      <Field label="Icon URL (optional)"><input name="icon_url" type="url" maxLength={2048} autocomplete="off" data-testid="bot-icon" /></Field>
      <Field label="Description (optional)"><input name="description" maxLength={250} autocomplete="off" data-testid="bot-description" /></Field>
      <ErrorLine error={error} testid="new-bot-error" />
      <div class="dialog-buttons">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="submit" disabled={busy} data-testid="bot-create">Make bot</button>
      </div>
    </form>
  );
}

function newBotDialog(): void {
  openDialog('New bot', (close) => <NewBotForm close={close} />, { testid: 'new-bot-dialog', className: 'medium' });
}

// --- one bot's details ---------------------------------------------------------------------------

function TokenRow({ bot, token }: { bot: Bot; token: Token }) {
  const { busy, error, run } = useAction();
  const revoke = async () => {
    const sure = await confirmDialog(`Revoke the token “${token.name}”?`,
      `@${bot.username} can no longer act with it, at once; its connections made with it close.`, { confirmLabel: 'Revoke' });
    if (sure) await run(() => actions.revokeBotToken(bot.id, token.id));
  };
  return (
    <>
      <tr data-testid="bot-token-row" data-token-id={token.id} class={token.revoked ? 'revoked' : undefined}>
        <th scope="row">{token.name}</th>
        <td><code>{`${token.prefix}…`}</code></td>
        <td><When iso={token.created_at} /></td>
        <td>{token.last_used_at ? <When iso={token.last_used_at} /> : <span class="muted">never</span>}</td>
        <td class="row-actions">
          {token.revoked
            ? <Tag tone="bad">revoked</Tag>
            : <button type="button" class="danger" disabled={busy} aria-label={`Revoke token ${token.name}`} onClick={revoke}>Revoke</button>}
        </td>
      </tr>
      {error ? <tr class="row-error"><td colSpan={5}><ErrorLine error={error} /></td></tr> : null}
    </>
  );
}

function Tokens({ bot }: { bot: Bot }) {
  const [secret, setSecret] = useState<NewToken | null>(null);
  useEffect(() => { void actions.loadBotTokens(bot.id); }, [bot.id]);
  const { submit, busy, error } = useFormSubmit(async (form) => {
    const name = String(new FormData(form).get('token_name') ?? '').trim();
    if (!name) throw new Error('Give the token a name');
    setSecret(await actions.createBotToken(bot.id, name));
    form.reset();
  });
  const tokens = state.botTokens.get(bot.id) ?? { status: 'loading' as const };
  let list: JSX.Element;
  if (tokens.status === 'loading') list = <Loading what="tokens" />;
  else if (tokens.status === 'error') list = <ErrorLine error={tokens.message} />;
  else if (!tokens.value.length) list = <p class="empty-state">No tokens: the bot cannot act until it has one.</p>;
  else {
    list = (
      <table class="integration-table compact" data-testid="bot-tokens">
        <caption class="visually-hidden">{`Tokens of @${bot.username}`}</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>{tokens.value.map((t) => <TokenRow key={t.id} bot={bot} token={t} />)}</tbody>
      </table>
    );
  }
  return (
    <section class="detail-part" aria-labelledby={`bot-${bot.id}-tokens`}>
      <h4 id={`bot-${bot.id}-tokens`}>Tokens</h4>
      {secret ? <BotToken token={secret} onDone={() => setSecret(null)} /> : null}
      {list}
      <form class="inline-form" onSubmit={submit}>
        <input name="token_name" maxLength={80} required autocomplete="off" aria-label={`Name of a new token for @${bot.username}`}
          placeholder="Token name, e.g. production" data-testid="bot-token-name" disabled={!bot.active} />
        <button type="submit" disabled={busy || !bot.active} data-testid="bot-token-create">New token</button>
      </form>
      {bot.active ? null : <p class="muted">Reactivate the bot to give it new tokens.</p>}
      <ErrorLine error={error} />
    </section>
  );
}

function SigningSecret({ bot }: { bot: Bot }) {
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const show = async () => {
    const value = await run(() => actions.signingSecret(bot.id));
    if (value) setSecret(value);
  };
  return (
    <section class="detail-part" aria-labelledby={`bot-${bot.id}-signing`}>
      <h4 id={`bot-${bot.id}-signing`}>Signing secret</h4>
      <p class="muted">Requests the server sends the bot are signed with it (Slack’s v0 scheme, <code>X-Slack-Signature</code>), so the bot can check they come from here.</p>
      {secret
        ? (
          <div class="token-secret">
            <OneTimeSecret value={secret} label={`Signing secret of @${bot.username}`} noun="signing secret" testid="bot-signing-secret"
              onDone={() => setSecret(null)}>
              Keep it secret: whoever has it can sign requests as this server.
            </OneTimeSecret>
          </div>
        )
        : <button type="button" class="secondary" disabled={busy} data-testid="bot-signing-show" onClick={show}>Show signing secret</button>}
      <ErrorLine error={error} />
    </section>
  );
}

function EventsUrl({ bot }: { bot: Bot }) {
  const [saved, setSaved] = useState<string | null>(null);
  const { submit, busy, error } = useFormSubmit(async (form) => {
    setSaved(null);
    const url = String(new FormData(form).get('events_url') ?? '').trim();
    await actions.updateBot(bot.id, { events_url: url || null });
    setSaved(url ? 'Verified and saved: events go to this URL.' : 'Removed: no events are sent.');
  });
  return (
    <section class="detail-part" aria-labelledby={`bot-${bot.id}-events`}>
      <h4 id={`bot-${bot.id}-events`}>Events API request URL</h4>
      <p class="muted">
        Where the bot’s events are sent. Saving it sends Slack’s <code>url_verification</code> challenge, signed with the
        signing secret; the URL must answer it with the challenge, or it is not saved.
      </p>
      <form class="inline-form" onSubmit={submit} data-testid="bot-events-form">
        <input name="events_url" type="url" maxLength={2048} autocomplete="off" defaultValue={bot.events_url ?? ''}
          aria-label={`Events API request URL of @${bot.username}`} placeholder="https://bot.example.com/slack/events"
          data-testid="bot-events-url" />
        <button type="submit" disabled={busy} data-testid="bot-events-save">{busy ? 'Verifying…' : 'Save'}</button>
      </form>
      <ErrorLine error={error} testid="bot-events-error" />
      <p class="muted" role="status" hidden={!saved}>{saved ?? ''}</p>
    </section>
  );
}

function BotDetails({ bot }: { bot: Bot }) {
  return (
    <div class="bot-details" id={`bot-${bot.id}-details`} data-testid="bot-details">
      <Tokens bot={bot} />
      <SigningSecret bot={bot} />
      <EventsUrl bot={bot} />
      <DeliveryLog kind={DELIVERY_KINDS.eventsApi} integrationId={bot.id} label={`@${bot.username}`} />
    </div>
  );
}

// --- the list ------------------------------------------------------------------------------------

function BotRow({ bot }: { bot: Bot }) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const toggleActive = async () => {
    if (bot.active) {
      const sure = await confirmDialog(`Deactivate @${bot.username}?`,
        'Its tokens are refused and its connections close at once. It keeps its channels, tokens and messages; reactivate it to restore them.',
        { confirmLabel: 'Deactivate' });
      if (!sure) return;
    }
    await run(() => actions.setBotActive(bot.id, !bot.active));
  };
  return (
    <>
      <tr data-testid="bot-row" data-bot-id={bot.id} class={bot.active ? undefined : 'revoked'}>
        <th scope="row">{bot.display_name} <span class="muted">{`@${bot.username}`}</span></th>
        <td>{bot.description || <span class="muted">—</span>}</td>
        <td>{bot.active ? <Tag tone="good">active</Tag> : <Tag tone="bad">deactivated</Tag>}</td>
        <td>{bot.events_url ? <code class="clip">{bot.events_url}</code> : <span class="muted">none</span>}</td>
        <td><When iso={bot.created_at} /></td>
        <td class="row-actions">
          <button type="button" class="secondary" aria-expanded={open ? 'true' : 'false'} aria-controls={`bot-${bot.id}-details`}
            aria-label={`Manage @${bot.username}`} data-testid="bot-manage" onClick={() => setOpen(!open)}>
            {open ? 'Close' : 'Manage'}
          </button>
          <button type="button" class={bot.active ? 'danger' : 'secondary'} disabled={busy} data-testid="bot-toggle-active"
            aria-label={`${bot.active ? 'Deactivate' : 'Reactivate'} @${bot.username}`} onClick={toggleActive}>
            {bot.active ? 'Deactivate' : 'Reactivate'}
          </button>
        </td>
      </tr>
      {error ? <tr class="row-error"><td colSpan={6}><ErrorLine error={error} /></td></tr> : null}
      {open ? <tr class="details-row"><td colSpan={6}><BotDetails bot={bot} /></td></tr> : null}
    </>
  );
}

export function Bots() {
  useEffect(() => {
    void actions.loadBots();
    // Webhooks, slash commands and outgoing webhooks post as bots of their own, listed with them, not here.
    if (state.webhooks.status !== 'ready') void actions.loadWebhooks();
    if (state.slashCommands.status !== 'ready') void actions.loadSlashCommands();
    if (state.outgoingWebhooks.status !== 'ready') void actions.loadOutgoingWebhooks();
  }, []);
  const bots = state.bots;
  let body: JSX.Element;
  if (bots.status === 'loading') body = <Loading what="bots" />;
  else if (bots.status === 'error') body = <ErrorLine error={bots.message} testid="bots-error" />;
  else {
    const listed = ownBots(bots.value, state.webhooks.status === 'ready' ? state.webhooks.value : null,
      state.slashCommands.status === 'ready' ? state.slashCommands.value : null,
      state.outgoingWebhooks.status === 'ready' ? state.outgoingWebhooks.value : null);
    body = listed.length
      ? (
        <table class="integration-table" data-testid="bots-table">
          <caption class="visually-hidden">Bots</caption>
          <thead>
            <tr>
              <th scope="col">Bot</th><th scope="col">Description</th><th scope="col">State</th>
              <th scope="col">Events API URL</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>{listed.map((b) => <BotRow key={b.id} bot={b} />)}</tbody>
        </table>
      )
      : <p class="empty-state" data-testid="bots-empty">No bots yet. A bot is an account of its own that acts with tokens, through the REST API, Socket.IO and the Slack-compatible Web API.</p>;
  }
  return (
    <>
      <div class="section-intro">
        <p class="muted">
          Accounts for programs: each acts with its own tokens, sees only the channels it is added to, and shows
          with a BOT tag.
        </p>
        <button type="button" data-testid="new-bot" onClick={newBotDialog}>New bot</button>
      </div>
      {body}
    </>
  );
}
