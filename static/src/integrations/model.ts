// The Integrations page's rules that need no server and no DOM: which channels a webhook may
// point at, which bots are people's (not webhooks' or commands'), what a slash command's and an
// outgoing webhook's forms send, how the delivery log merges pages and what one of its rows shows. Unit-tested in
// tests/client/integrations/.

import type { Bot, Channel, Delivery, OutgoingWebhook, SlashCommand, Webhook, Workspace } from '../api/types';

export type Role = NonNullable<Workspace['role']>;

/** The `kind` of the deliveries each integration receives (services/integrations/deliveries.py,
 *  register_kind): a bot's Events API requests are `events_api` deliveries to the bot's id, a
 *  custom slash command's requests `slash_command` deliveries to the command's id, an outgoing
 *  webhook's `outgoing_webhook` deliveries to the hook's id. */
export const DELIVERY_KINDS = { eventsApi: 'events_api', slashCommand: 'slash_command', outgoingWebhook: 'outgoing_webhook' } as const;

export const isAdminRole = (role: Role | undefined): boolean => role === 'owner' || role === 'admin';

/** Channels a webhook may post into: named conversations (not direct ones), not archived, each
 *  once, by name. The lists are what the person's channel list and the channel browser give;
 *  whether they may post there is the server's to say. */
export function pickableChannels(...lists: readonly Channel[][]): Channel[] {
  const byId = new Map<number, Channel>();
  for (const list of lists) {
    for (const channel of list) {
      if (channel.name && (channel.kind === 'public' || channel.kind === 'private') && !channel.archived) {
        byId.set(channel.id, channel);
      }
    }
  }
  return [...byId.values()].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}

/** '#general', or what can be said of a channel the person cannot see (an admin looking at a
 *  webhook made for a private channel they are not in). */
export function channelLabel(id: number, channels: ReadonlyMap<number, Channel>): string {
  const name = channels.get(id)?.name;
  return name ? `#${name}` : 'a private channel';
}

/** The bots people made: the workspace's bots without those incoming webhooks, slash commands
 *  and outgoing webhooks post as (each has a bot account of its own, managed with it). Give
 *  each kind's list; a list not loaded (null) leaves nothing out. */
export function ownBots(bots: readonly Bot[], ...integrations: (readonly { bot_id: number }[] | null)[]): Bot[] {
  const integrationBots = new Set(integrations.flatMap((list) => (list ?? []).map((i) => i.bot_id)));
  return bots.filter((b) => !integrationBots.has(b.id));
}

/** Active webhooks first, then revoked ones, each group as the server lists it (oldest first). */
export function orderWebhooks(webhooks: readonly Webhook[]): Webhook[] {
  return [...webhooks.filter((w) => !w.revoked), ...webhooks.filter((w) => w.revoked)];
}

// --- slash commands ------------------------------------------------------------------------------

/** A custom slash command as the page keeps it: its settings without its verification token and
 *  signing secret (the server sends them with every answer; the page shows them, never keeps them). */
export type CommandSettings = Omit<SlashCommand, 'token' | 'signing_secret'>;

/** What the command form sends (POST /workspaces/{id}/slash-commands, or a PATCH's fields). */
export interface CommandFields {
  name: string;
  url: string;
  description: string;
  usage_hint: string;
  /** The bot whose signing secret signs its requests; null: the command's own secret. */
  app_bot_id: number | null;
}

/** A name as typed ('Deploy', ' /deploy ') as the server stores it: with its slash, lower-case.
 *  Whether it is a valid name is the server's to say (`invalid`, `name_taken`). */
export function commandName(typed: string): string {
  const name = typed.trim().toLowerCase();
  return name && !name.startsWith('/') ? `/${name}` : name;
}

/** The command form's values (strings, as a form holds them) as the server takes them. */
export function commandFields(values: { name: string; url: string; description: string; usage_hint: string; app_bot_id: string }): CommandFields {
  const bot = Number(values.app_bot_id);
  return {
    name: commandName(values.name),
    url: values.url.trim(),
    description: values.description.trim(),
    usage_hint: values.usage_hint.trim(),
    app_bot_id: values.app_bot_id && Number.isInteger(bot) && bot > 0 ? bot : null,
  };
}

/** What an edit changes: the fields that differ from the command's (a PATCH sends only those;
 *  none: there is nothing to save). */
export function commandChanges(command: CommandSettings, fields: CommandFields): Partial<CommandFields> {
  const changes: Partial<CommandFields> = {};
  if (fields.name !== command.name) changes.name = fields.name;
  if (fields.url !== command.url) changes.url = fields.url;
  if (fields.description !== command.description) changes.description = fields.description;
  if (fields.usage_hint !== command.usage_hint) changes.usage_hint = fields.usage_hint;
  if (fields.app_bot_id !== command.app_bot_id) changes.app_bot_id = fields.app_bot_id;
  return changes;
}

/** Commands by name, as the server lists them (a rename moves one). */
export function orderCommands<C extends { name: string }>(commands: readonly C[]): C[] {
  return [...commands].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Who signs a command's requests, for its row: its app bot ('@build-bot'), or its own secret. */
export function signerLabel(command: CommandSettings, bots: readonly Bot[] | null): string {
  if (command.app_bot_id === null) return '';
  const bot = bots?.find((b) => b.id === command.app_bot_id);
  return bot ? `@${bot.username}` : 'a bot';
}

// --- outgoing webhooks ---------------------------------------------------------------------------

/** An outgoing webhook as the page keeps it: its settings without its token (the list's answer
 *  carries every hook's; the page shows a token once, when it is made, and never keeps it). */
export type HookSettings = Omit<OutgoingWebhook, 'token'>;

/** At most this many callback URLs (the server's limits.OUTGOING_WEBHOOK_URLS). */
export const MAX_CALLBACK_URLS = 5;

export const TRIGGER_WHEN_LABELS: Record<OutgoingWebhook['trigger_when'], string> = {
  first_word: 'first word is one', starts_with: 'first word starts with one',
};

export const CONTENT_TYPE_LABELS: Record<OutgoingWebhook['content_type'], string> = {
  'application/json': 'JSON', 'application/x-www-form-urlencoded': 'Form',
};

/** What the outgoing webhook form sends (POST /workspaces/{id}/outgoing-webhooks, or a PATCH's fields). */
export interface HookFields {
  name: string;
  description: string;
  icon_url: string | null;
  channel_ids: number[];
  trigger_words: string[];
  trigger_when: OutgoingWebhook['trigger_when'];
  callback_urls: string[];
  content_type: OutgoingWebhook['content_type'];
  ignore_bots: boolean;
}

/** Trigger words as typed ('weather, forecast  Weather'): split at commas and spaces, each once
 *  (case aside, as the server matches them), in the order typed. Whether each is valid is the
 *  server's to say. */
export function triggerWords(typed: string): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const word of typed.split(/[\s,]+/)) {
    if (word && !seen.has(word.toLowerCase())) {
      seen.add(word.toLowerCase());
      words.push(word);
    }
  }
  return words;
}

/** The form's values as the server takes them: trimmed, empty URLs and repeated channels left out. */
export function hookFields(values: {
  name: string; description: string; icon_url: string; channel_ids: readonly number[]; trigger_words: string;
  trigger_when: HookFields['trigger_when']; callback_urls: readonly string[]; content_type: HookFields['content_type'];
  ignore_bots: boolean;
}): HookFields {
  return {
    name: values.name.trim(),
    description: values.description.trim(),
    icon_url: values.icon_url.trim() || null,
    channel_ids: [...new Set(values.channel_ids)],
    trigger_words: triggerWords(values.trigger_words),
    trigger_when: values.trigger_when,
    callback_urls: values.callback_urls.map((u) => u.trim()).filter(Boolean),
    content_type: values.content_type,
    ignore_bots: values.ignore_bots,
  };
}

const sameList = <T,>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const sameSet = (a: readonly number[], b: readonly number[]): boolean => {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((v) => set.has(v));
};

/** What an edit changes: the fields that differ from the hook's (a PATCH sends only those; none:
 *  there is nothing to save). Channels are a set; trigger words and URLs keep their order. */
export function hookChanges(hook: HookSettings, fields: HookFields): Partial<HookFields> {
  const changes: Partial<HookFields> = {};
  if (fields.name !== hook.name) changes.name = fields.name;
  if (fields.description !== hook.description) changes.description = fields.description;
  if (fields.icon_url !== hook.icon_url) changes.icon_url = fields.icon_url;
  if (!sameSet(fields.channel_ids, hook.channel_ids)) changes.channel_ids = fields.channel_ids;
  if (!sameList(fields.trigger_words, hook.trigger_words)) changes.trigger_words = fields.trigger_words;
  if (fields.trigger_when !== hook.trigger_when) changes.trigger_when = fields.trigger_when;
  if (!sameList(fields.callback_urls, hook.callback_urls)) changes.callback_urls = fields.callback_urls;
  if (fields.content_type !== hook.content_type) changes.content_type = fields.content_type;
  if (fields.ignore_bots !== hook.ignore_bots) changes.ignore_bots = fields.ignore_bots;
  return changes;
}

/** What a hook watches, for its row: its channels by name, or any public channel. */
export function watchedChannels(hook: HookSettings, channels: ReadonlyMap<number, Channel> | null): string {
  if (!hook.channel_ids.length) return 'any public channel';
  if (!channels) return hook.channel_ids.length === 1 ? '1 channel' : `${hook.channel_ids.length} channels`;
  return hook.channel_ids.map((id) => channelLabel(id, channels)).join(', ');
}

/** The form's part a server error names (`field`), so the error shows beside it; null: the form's end. */
export function hookFormPart(field: string | null | undefined): keyof HookFields | null {
  const name = (field ?? '').replace(/\[.*$/, '');
  const parts: readonly (keyof HookFields)[] = ['name', 'description', 'icon_url', 'channel_ids', 'trigger_words',
    'trigger_when', 'callback_urls', 'content_type', 'ignore_bots'];
  return parts.find((p) => p === name) ?? null;
}

// --- delivery logs -------------------------------------------------------------------------------

/** A delivery log's entries newest first, each once: `incoming` (a page, a replay, a refreshed
 *  delivery) replaces the entries it carries again and adds the others. */
export function mergeDeliveries(current: readonly Delivery[], incoming: readonly Delivery[]): Delivery[] {
  const byId = new Map(current.map((d) => [d.id, d]));
  for (const d of incoming) byId.set(d.id, d);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

export const STATUS_LABELS: Record<Delivery['status'], string> = {
  pending: 'Pending', delivered: 'Delivered', failed: 'Failed', given_up: 'Given up',
};

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export interface DeliverySummary {
  duration: string;
  httpStatus: string;
  error: string;
  excerpt: string;
}

/** What a delivery's row shows: its last attempt (a running one says so). */
export function summarize(delivery: Delivery): DeliverySummary {
  const last = delivery.attempt_log[delivery.attempt_log.length - 1];
  if (!last) {
    const when = delivery.status === 'pending' ? 'not yet attempted' : '';
    return { duration: '—', httpStatus: '—', error: when, excerpt: '' };
  }
  if (!last.finished_at) return { duration: 'running…', httpStatus: '—', error: '', excerpt: '' };
  return {
    duration: formatDuration(last.duration_ms),
    httpStatus: last.status_code === null ? '—' : String(last.status_code),
    error: last.error ?? '',
    excerpt: last.response_excerpt ?? '',
  };
}

/** One section of the page, as the registry (sections.tsx) lists it. */
export interface SectionInfo {
  id: string;
  /** Who sees it: the workspace's admins, or everyone who may make incoming webhooks. */
  audience: 'admins' | 'webhook-makers';
}

/** The sections a person with this role sees (the page itself is only served to webhook makers). */
export function visibleSections<S extends SectionInfo>(sections: readonly S[], role: Role | undefined): S[] {
  return sections.filter((s) => s.audience === 'webhook-makers' || isAdminRole(role));
}

/** The section a location hash names (`#bots`), else the first one. */
export function sectionFromHash<S extends SectionInfo>(hash: string, sections: readonly S[]): S | undefined {
  const id = decodeURIComponent(hash.replace(/^#/, ''));
  return sections.find((s) => s.id === id) ?? sections[0];
}
