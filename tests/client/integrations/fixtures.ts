// Payloads of the Integrations page's routes, shaped like the server's (typed by the generated schema).
import type { Bot, Delivery, DeliveryAttempt, OutgoingWebhook, SlashCommand, Webhook, Workspace } from '../../../static/src/api/types';

export const WS = 10;

export function workspace(role: Workspace['role'] = 'owner', fields: Partial<Workspace> = {}): Workspace {
  return { id: WS, name: 'Acme', created_at: '2025-01-01T00:00:00.000Z', max_file_size: 1000, members_create_webhooks: false,
    webhook_overrides: false, role, ...fields };
}

export function webhook(id: number, fields: Partial<Webhook> = {}): Webhook {
  return { id, workspace_id: WS, channel_id: 1, bot_id: 100 + id, name: `Hook ${id}`, icon_url: null, created_by: 1,
    prefix: 'abcd1234', created_at: '2025-01-01T00:00:00.000Z', secret_changed_at: '2025-01-01T00:00:00.000Z',
    revoked: false, revoked_at: null, ...fields };
}

export function bot(id: number, fields: Partial<Bot> = {}): Bot {
  return { id, username: `bot${id}`, display_name: `Bot ${id}`, is_bot: true, workspace_id: WS, owner_id: 1,
    description: '', icon_url: null, ignore_bots: true, active: true, created_at: '2025-01-01T00:00:00.000Z',
    deactivated_at: null, events_url: null, ...fields };
}

/** A custom slash command as its admins see it, secrets included (as every answer carries them). */
export function slashCommand(id: number, fields: Partial<SlashCommand> = {}): SlashCommand {
  return { id, workspace_id: WS, name: `/cmd${id}`, url: `https://cmd.example.test/${id}`, description: '', usage_hint: '',
    bot_id: 200 + id, app_bot_id: null, token: `${id}`.padStart(24, 'a'), signing_secret: `${id}`.padStart(32, 'b'),
    created_by: 1, created_at: '2025-01-01T00:00:00.000Z', ...fields };
}

/** An outgoing webhook as its admins see it, token included (as every answer carries it). */
export function outgoingWebhook(id: number, fields: Partial<OutgoingWebhook> = {}): OutgoingWebhook {
  return { id, workspace_id: WS, bot_id: 300 + id, name: `Out ${id}`, description: '', icon_url: null, channel_ids: [],
    trigger_words: ['ping'], trigger_when: 'first_word', callback_urls: [`https://out.example.test/${id}`],
    content_type: 'application/json', ignore_bots: true, token: `${id}`.padStart(26, 'k'), created_by: 1,
    created_at: '2025-01-01T00:00:00.000Z', token_changed_at: '2025-01-01T00:00:00.000Z', ...fields };
}

export function attempt(number: number, fields: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { number, started_at: '2025-01-01T00:00:00.000Z', finished_at: '2025-01-01T00:00:01.000Z', duration_ms: 120,
    status_code: 200, error: null, reason: null, response_excerpt: 'ok', ...fields };
}

export function delivery(id: number, fields: Partial<Delivery> = {}): Delivery {
  return { id, workspace_id: WS, kind: 'events_api', integration_id: 7, event: 'message', url: 'https://bot.example.test/events',
    status: 'delivered', attempts: 1, created_at: '2025-01-01T00:00:00.000Z', finished_at: '2025-01-01T00:00:01.000Z',
    next_attempt_at: null, replay_of_id: null, attempt_log: [attempt(1)], ...fields };
}

export type Answer = [number, unknown];

/** A fetch that answers by route ("GET /workspaces/10/webhooks", the path under /api/v1 without its
 *  query): one answer for every call, or a list given out in turn. Records every call. */
export function fakeFetch(routes: Record<string, Answer | Answer[]>) {
  const calls: { method: string; path: string; query: string; body: unknown }[] = [];
  const fn = async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const [path = '', query = ''] = url.replace(/^\/api\/v1/, '').split('?');
    calls.push({ method, path, query, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const route = routes[`${method} ${path}`];
    const answer = (Array.isArray(route?.[0]) ? (route as Answer[]).shift() : route as Answer | undefined)
      ?? [404, { error: { code: 'not_found', message: `no fake for ${method} ${path}` } }];
    return new Response(JSON.stringify(answer[1]), { status: answer[0], headers: { 'Content-Type': 'application/json' } });
  };
  return { fn, calls };
}
