// The one place that changes the Integrations page's `state` (state.ts). Each mutation writes
// the state and then asks for a render; renders are batched, one per microtask, whatever the
// number of mutations before it. Mutations that finish a load for one log or one bot write
// only that entry, so a slow answer about one integration never touches another's.

import type { Bot, Channel, Delivery, Me, Token, Webhook, Workspace } from '../api/types';
import { type CommandSettings, DELIVERY_KINDS, type HookSettings, mergeDeliveries, orderCommands } from './model';
import { type DeliveryLog, logKey, writableState as s } from './state';

const listeners = new Set<() => void>();
let scheduled = false;

/** Call `listener` after the mutations of each microtask (main.tsx renders the page). */
export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const listener of listeners) listener();
  });
}

// --- the page ------------------------------------------------------------------------------------

export function start(me: Me, workspace: Workspace): void {
  s.me = me;
  s.workspace = workspace;
  s.section = '';
  s.channels = { status: 'loading' };
  s.people = new Map();
  s.webhooks = { status: 'loading' };
  s.bots = { status: 'loading' };
  s.slashCommands = { status: 'loading' };
  s.outgoingWebhooks = { status: 'loading' };
  s.botTokens = new Map();
  s.logs = new Map();
  changed();
}

/** The workspace's settings as a PATCH answered them (that answer carries no role: ours stays). */
export function workspaceChanged(workspace: Workspace): void {
  s.workspace = { ...s.workspace, ...workspace, role: s.workspace.role };
  changed();
}

export function showSection(id: string): void {
  s.section = id;
  changed();
}

// --- channels and people -------------------------------------------------------------------------

export function directoryLoaded(channels: Channel[], people: { id: number; display_name: string }[]): void {
  s.channels = { status: 'ready', value: new Map(channels.map((c) => [c.id, c])) };
  s.people = new Map(people.map((p) => [p.id, p.display_name]));
  changed();
}

export function directoryFailed(message: string): void {
  s.channels = { status: 'error', message };
  changed();
}

// --- incoming webhooks ---------------------------------------------------------------------------

export function webhooksLoaded(webhooks: Webhook[]): void {
  s.webhooks = { status: 'ready', value: webhooks };
  changed();
}

export function webhooksFailed(message: string): void {
  s.webhooks = { status: 'error', message };
  changed();
}

/** A webhook made or changed (a new secret, revoked): replaces its entry, or is added last. */
export function webhookSaved(webhook: Webhook): void {
  const list = s.webhooks.status === 'ready' ? s.webhooks.value : [];
  const found = list.some((w) => w.id === webhook.id);
  s.webhooks = { status: 'ready', value: found ? list.map((w) => (w.id === webhook.id ? webhook : w)) : [...list, webhook] };
  changed();
}

// --- bots ----------------------------------------------------------------------------------------

export function botsLoaded(bots: Bot[]): void {
  s.bots = { status: 'ready', value: bots };
  changed();
}

export function botsFailed(message: string): void {
  s.bots = { status: 'error', message };
  changed();
}

/** A bot made or changed (renamed, its Events API URL, deactivated...). */
export function botSaved(bot: Bot): void {
  const list = s.bots.status === 'ready' ? s.bots.value : [];
  const found = list.some((b) => b.id === bot.id);
  s.bots = { status: 'ready', value: found ? list.map((b) => (b.id === bot.id ? bot : b)) : [...list, bot] };
  changed();
}

export function botTokensLoading(botId: number): void {
  s.botTokens.set(botId, { status: 'loading' });
  changed();
}

export function botTokensLoaded(botId: number, tokens: Token[]): void {
  s.botTokens.set(botId, { status: 'ready', value: tokens });
  changed();
}

export function botTokensFailed(botId: number, message: string): void {
  s.botTokens.set(botId, { status: 'error', message });
  changed();
}

/** A bot token made (listed first, as the server lists newest first) or revoked. */
export function botTokenSaved(botId: number, token: Token): void {
  const entry = s.botTokens.get(botId);
  const list = entry?.status === 'ready' ? entry.value : [];
  const found = list.some((t) => t.id === token.id);
  s.botTokens.set(botId, { status: 'ready', value: found ? list.map((t) => (t.id === token.id ? token : t)) : [token, ...list] });
  changed();
}

// --- slash commands ------------------------------------------------------------------------------

export function slashCommandsLoaded(commands: CommandSettings[]): void {
  s.slashCommands = { status: 'ready', value: orderCommands(commands) };
  changed();
}

export function slashCommandsFailed(message: string): void {
  s.slashCommands = { status: 'error', message };
  changed();
}

/** A command made or changed (renamed, a new URL or signing bot...): the list stays by name. */
export function slashCommandSaved(command: CommandSettings): void {
  const list = s.slashCommands.status === 'ready' ? s.slashCommands.value : [];
  s.slashCommands = { status: 'ready', value: orderCommands([...list.filter((c) => c.id !== command.id), command]) };
  changed();
}

/** A command deleted: gone from the list, with its delivery log. */
export function slashCommandDeleted(commandId: number): void {
  if (s.slashCommands.status === 'ready') {
    s.slashCommands = { status: 'ready', value: s.slashCommands.value.filter((c) => c.id !== commandId) };
  }
  s.logs.delete(logKey(DELIVERY_KINDS.slashCommand, commandId));
  changed();
}

// --- outgoing webhooks ---------------------------------------------------------------------------

export function outgoingWebhooksLoaded(hooks: HookSettings[]): void {
  s.outgoingWebhooks = { status: 'ready', value: hooks };
  changed();
}

export function outgoingWebhooksFailed(message: string): void {
  s.outgoingWebhooks = { status: 'error', message };
  changed();
}

/** A hook made or changed (its settings, a new token): replaces its entry, or is added last
 *  (the server lists them oldest first). */
export function outgoingWebhookSaved(hook: HookSettings): void {
  const list = s.outgoingWebhooks.status === 'ready' ? s.outgoingWebhooks.value : [];
  const found = list.some((h) => h.id === hook.id);
  s.outgoingWebhooks = { status: 'ready', value: found ? list.map((h) => (h.id === hook.id ? hook : h)) : [...list, hook] };
  changed();
}

/** A hook deleted: gone from the list, with its delivery log. */
export function outgoingWebhookDeleted(hookId: number): void {
  if (s.outgoingWebhooks.status === 'ready') {
    s.outgoingWebhooks = { status: 'ready', value: s.outgoingWebhooks.value.filter((h) => h.id !== hookId) };
  }
  s.logs.delete(logKey(DELIVERY_KINDS.outgoingWebhook, hookId));
  changed();
}

// --- delivery logs -------------------------------------------------------------------------------

function log(key: string): DeliveryLog {
  let entry = s.logs.get(key);
  if (!entry) {
    entry = { deliveries: [], hasMore: false, loading: false, error: null };
    s.logs.set(key, entry);
  }
  return entry;
}

export function deliveriesLoading(key: string): void {
  s.logs.set(key, { ...log(key), loading: true, error: null });
  changed();
}

/** A page of the log: the newest (`older` false: it replaces what the log showed) or the next
 *  older one (added below). */
export function deliveriesLoaded(key: string, page: Delivery[], hasMore: boolean, older: boolean): void {
  const current = log(key);
  s.logs.set(key, {
    deliveries: older ? mergeDeliveries(current.deliveries, page) : mergeDeliveries([], page),
    hasMore,
    loading: false,
    error: null,
  });
  changed();
}

export function deliveriesFailed(key: string, message: string): void {
  s.logs.set(key, { ...log(key), loading: false, error: message });
  changed();
}

/** One delivery, new (a replay) or as it is now (while it was pending). */
export function deliverySaved(key: string, delivery: Delivery): void {
  const current = log(key);
  s.logs.set(key, { ...current, deliveries: mergeDeliveries(current.deliveries, [delivery]) });
  changed();
}
