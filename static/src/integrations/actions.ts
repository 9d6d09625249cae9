// What the person does on the Integrations page: server calls, then store mutations. Views call
// these and never write the state; a failed call throws (an ApiError with the server's code and
// message) for the view to show next to what failed, except loads, whose failure is state.

import type { Bot, Delivery, NewToken, NewWebhook, OutgoingWebhook, SlashCommand, Token, Webhook } from '../api/types';
import { api } from '../shared/api';
import { messageOf } from '../shared/dialogs';
import { type CommandFields, type CommandSettings, type HookFields, type HookSettings, pickableChannels } from './model';
import { logKey, state } from './state';
import * as store from './store';

const workspaceId = (): number => state.workspace.id;

// --- channels and people -------------------------------------------------------------------------

/** The channels webhooks may point at and the names of the people who made them. */
export async function loadDirectory(): Promise<void> {
  try {
    const [mine, browse, people] = await Promise.all([
      api.get(`/workspaces/${workspaceId()}/channels`),
      api.get(`/workspaces/${workspaceId()}/channels/browse`),
      api.get(`/workspaces/${workspaceId()}/members`),
    ]);
    store.directoryLoaded(pickableChannels(mine.channels, browse.channels), people.members);
  } catch (err) {
    store.directoryFailed(messageOf(err));
  }
}

// --- incoming webhooks ---------------------------------------------------------------------------

/** Admins: whether members, not only admins, may make incoming webhooks (and open this page). */
export async function setMembersCreateWebhooks(allowed: boolean): Promise<void> {
  store.workspaceChanged(await api.patch(`/workspaces/${workspaceId()}`, { members_create_webhooks: allowed }));
}

export async function loadWebhooks(): Promise<void> {
  try {
    store.webhooksLoaded((await api.get(`/workspaces/${workspaceId()}/webhooks`)).webhooks);
  } catch (err) {
    store.webhooksFailed(messageOf(err));
  }
}

/** The webhook without its secret URL: the state never keeps a secret. */
function withoutUrl({ url: _url, ...webhook }: NewWebhook): Webhook {
  return webhook;
}

/** A new webhook; its URL is in the answer, and nowhere once the person has copied it. */
export async function createWebhook(fields: { channel_id: number; name: string; icon_url: string | null }): Promise<NewWebhook> {
  const created = await api.post(`/workspaces/${workspaceId()}/webhooks`, fields);
  store.webhookSaved(withoutUrl(created));
  return created;
}

/** A new secret URL for the webhook: the old one stops working at once. */
export async function regenerateWebhook(webhookId: number): Promise<NewWebhook> {
  const renewed = await api.post(`/webhooks/${webhookId}/secret`);
  store.webhookSaved(withoutUrl(renewed));
  return renewed;
}

export async function revokeWebhook(webhookId: number): Promise<void> {
  store.webhookSaved(await api.del(`/webhooks/${webhookId}`));
}

// --- bots ----------------------------------------------------------------------------------------

export async function loadBots(): Promise<void> {
  try {
    store.botsLoaded((await api.get(`/workspaces/${workspaceId()}/bots`)).bots);
  } catch (err) {
    store.botsFailed(messageOf(err));
  }
}

export async function createBot(fields: { name: string; handle: string | null; description: string; icon_url: string | null }): Promise<Bot> {
  const bot = await api.post(`/workspaces/${workspaceId()}/bots`, fields);
  store.botSaved(bot);
  return bot;
}

/** Change a bot's settings. A new `events_url` is saved only once it answered Slack's
 *  url_verification handshake: otherwise the server's `events_url_unverified` says why. */
export async function updateBot(botId: number, changes: { events_url?: string | null; description?: string }): Promise<Bot> {
  const bot = await api.patch(`/bots/${botId}`, changes);
  store.botSaved(bot);
  return bot;
}

export async function setBotActive(botId: number, active: boolean): Promise<void> {
  store.botSaved(await api.post(`/bots/${botId}/${active ? 'reactivate' : 'deactivate'}`));
}

export async function loadBotTokens(botId: number): Promise<void> {
  store.botTokensLoading(botId);
  try {
    store.botTokensLoaded(botId, (await api.get(`/bots/${botId}/tokens`)).tokens);
  } catch (err) {
    store.botTokensFailed(botId, messageOf(err));
  }
}

function withoutSecret({ token: _secret, user: _user, ...token }: NewToken): Token {
  return token;
}

/** A new token for the bot; its secret is in the answer only. */
export async function createBotToken(botId: number, name: string): Promise<NewToken> {
  const created = await api.post(`/bots/${botId}/tokens`, { name });
  store.botTokenSaved(botId, withoutSecret(created));
  return created;
}

export async function revokeBotToken(botId: number, tokenId: number): Promise<void> {
  store.botTokenSaved(botId, await api.del(`/bots/${botId}/tokens/${tokenId}`));
}

/** The secret requests to the bot are signed with (shown on demand, never kept). */
export async function signingSecret(botId: number): Promise<string> {
  return (await api.get(`/bots/${botId}/signing-secret`)).signing_secret;
}

// --- slash commands ------------------------------------------------------------------------------

/** The command without its token and signing secret: the state never keeps a secret. */
function withoutSecrets({ token: _token, signing_secret: _secret, ...command }: SlashCommand): CommandSettings {
  return command;
}

export async function loadSlashCommands(): Promise<void> {
  try {
    store.slashCommandsLoaded((await api.get(`/workspaces/${workspaceId()}/slash-commands`)).slash_commands.map(withoutSecrets));
  } catch (err) {
    store.slashCommandsFailed(messageOf(err));
  }
}

/** A new command; its token and signing secret are in the answer, for the page to show once. */
export async function createSlashCommand(fields: CommandFields): Promise<SlashCommand> {
  const created = await api.post(`/workspaces/${workspaceId()}/slash-commands`, fields);
  store.slashCommandSaved(withoutSecrets(created));
  return created;
}

/** Change a command's name, URL, description, usage hint or signing bot (only the fields given). */
export async function updateSlashCommand(commandId: number, changes: Partial<CommandFields>): Promise<void> {
  store.slashCommandSaved(withoutSecrets(await api.patch(`/slash-commands/${commandId}`, changes)));
}

/** Delete a command: running it is "not a valid command" from now on; its answers stay. */
export async function deleteSlashCommand(commandId: number): Promise<void> {
  await api.del(`/slash-commands/${commandId}`);
  store.slashCommandDeleted(commandId);
}

/** A new verification token (requests carry it from now on); the answer holds it, to show once. */
export async function regenerateSlashCommandToken(commandId: number): Promise<SlashCommand> {
  const renewed = await api.post(`/slash-commands/${commandId}/token`);
  store.slashCommandSaved(withoutSecrets(renewed));
  return renewed;
}

/** The secret the command's requests are signed with now (its app bot's, or its own): shown on
 *  demand, never kept. */
export async function slashCommandSigningSecret(commandId: number): Promise<string> {
  const command = await api.get(`/slash-commands/${commandId}`);
  store.slashCommandSaved(withoutSecrets(command));
  return command.signing_secret;
}

// --- outgoing webhooks ---------------------------------------------------------------------------

/** The hook without its token: the state never keeps a secret. */
function withoutToken({ token: _token, ...hook }: OutgoingWebhook): HookSettings {
  return hook;
}

export async function loadOutgoingWebhooks(): Promise<void> {
  try {
    store.outgoingWebhooksLoaded((await api.get(`/workspaces/${workspaceId()}/outgoing-webhooks`)).outgoing_webhooks.map(withoutToken));
  } catch (err) {
    store.outgoingWebhooksFailed(messageOf(err));
  }
}

/** A new hook; its token is in the answer, for the page to show once. */
export async function createOutgoingWebhook(fields: HookFields): Promise<OutgoingWebhook> {
  const created = await api.post(`/workspaces/${workspaceId()}/outgoing-webhooks`, fields);
  store.outgoingWebhookSaved(withoutToken(created));
  return created;
}

/** Change what a hook watches, where it sends, its name or icon (only the fields given). Left
 *  with neither channels nor trigger words, the server refuses (409 nothing_to_match). */
export async function updateOutgoingWebhook(hookId: number, changes: Partial<HookFields>): Promise<void> {
  store.outgoingWebhookSaved(withoutToken(await api.patch(`/outgoing-webhooks/${hookId}`, changes)));
}

/** A new token (requests carry it from now on); the answer holds it, to show once. */
export async function regenerateOutgoingWebhookToken(hookId: number): Promise<OutgoingWebhook> {
  const renewed = await api.post(`/outgoing-webhooks/${hookId}/token`);
  store.outgoingWebhookSaved(withoutToken(renewed));
  return renewed;
}

/** Delete a hook: nothing more is sent; its replies stay (its bot deactivated). */
export async function deleteOutgoingWebhook(hookId: number): Promise<void> {
  await api.del(`/outgoing-webhooks/${hookId}`);
  store.outgoingWebhookDeleted(hookId);
}

// --- delivery logs -------------------------------------------------------------------------------

export const LOG_PAGE = 20;

/** The newest page of an integration's delivery log, or (`older`) the page below what it shows. */
export async function loadDeliveries(kind: string, integrationId: number, { older = false } = {}): Promise<void> {
  const key = logKey(kind, integrationId);
  const current = state.logs.get(key);
  if (current?.loading) return;
  const query = new URLSearchParams({ kind, integration_id: String(integrationId), limit: String(LOG_PAGE) });
  const last = current?.deliveries[current.deliveries.length - 1];
  if (older && last) query.set('before', String(last.id));
  store.deliveriesLoading(key);
  try {
    const page = await api.get(`/workspaces/${workspaceId()}/deliveries?${query}`);
    store.deliveriesLoaded(key, page.deliveries, page.has_more, older);
  } catch (err) {
    store.deliveriesFailed(key, messageOf(err));
  }
}

// How long a replay is followed while it is pending (its first attempt usually ends within
// seconds; a retry due minutes later shows on the next refresh).
const FOLLOW_MS = [300, 700, 1000, 2000, 2000, 4000, 4000, 8000, 8000];
const pause = (ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, ms); });

/** Send a delivery again: a new delivery, shown at the top of its log and followed until it
 *  is no longer pending (or half a minute has passed). */
export async function replayDelivery(delivery: Delivery): Promise<Delivery> {
  const key = logKey(delivery.kind, delivery.integration_id);
  const replay = await api.post(`/deliveries/${delivery.id}/replay`);
  store.deliverySaved(key, replay);
  void follow(key, replay).catch((err: unknown) => console.warn('following a replay failed', err));
  return replay;
}

async function follow(key: string, delivery: Delivery): Promise<void> {
  let current = delivery;
  for (const ms of FOLLOW_MS) {
    if (current.status !== 'pending') return;
    await pause(ms);
    current = await api.get(`/deliveries/${delivery.id}`);
    store.deliverySaved(key, current);
  }
}
