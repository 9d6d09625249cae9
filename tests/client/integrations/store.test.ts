// The Integrations page's store: what its mutations leave in the state.
import { describe, expect, it } from 'vitest';
import { logKey, state } from '../../../static/src/integrations/state';
import * as store from '../../../static/src/integrations/store';
import { delivery, outgoingWebhook, slashCommand, webhook, workspace } from './fixtures';

const ME = { id: 1, username: 'ada', display_name: 'Ada', email: 'ada@example.com', is_bot: false, created_at: '2025-01-01T00:00:00.000Z' };

describe('the integrations store', () => {
  it('starts afresh for a workspace, on its first section', () => {
    store.start(ME, workspace('admin'));
    store.showSection('bots');
    store.webhooksLoaded([webhook(1)]);
    store.start(ME, workspace('member'));
    expect([state.section, state.webhooks.status, state.workspace.role]).toEqual(['', 'loading', 'member']);
  });

  it('keeps the role when a PATCH answers with the workspace (which carries none)', () => {
    store.start(ME, workspace('admin'));
    const { role: _role, ...patched } = workspace('admin', { members_create_webhooks: true });
    store.workspaceChanged(patched);
    expect([state.workspace.role, state.workspace.members_create_webhooks]).toEqual(['admin', true]);
  });

  it('replaces a saved webhook in place and adds a new one last', () => {
    store.start(ME, workspace('admin'));
    store.webhooksLoaded([webhook(1), webhook(2)]);
    store.webhookSaved(webhook(1, { revoked: true }));
    store.webhookSaved(webhook(3));
    expect(state.webhooks.status === 'ready' && state.webhooks.value.map((w) => [w.id, w.revoked]))
      .toEqual([[1, true], [2, false], [3, false]]);
  });

  it('adds older pages below a log, and a refresh replaces it', () => {
    store.start(ME, workspace('admin'));
    const key = logKey('events_api', 7);
    store.deliveriesLoaded(key, [delivery(9), delivery(8)], true, false);
    store.deliveriesLoaded(key, [delivery(7)], false, true);
    expect(state.logs.get(key)?.deliveries.map((d) => d.id)).toEqual([9, 8, 7]);
    expect(state.logs.get(key)?.hasMore).toBe(false);
    store.deliverySaved(key, delivery(10, { replay_of_id: 8 }));
    store.deliveriesLoaded(key, [delivery(11), delivery(10)], true, false);
    expect(state.logs.get(key)).toMatchObject({ hasMore: true, loading: false, error: null });
    expect(state.logs.get(key)?.deliveries.map((d) => d.id)).toEqual([11, 10]);
    expect(state.logs.get(logKey('events_api', 8))).toBeUndefined();  // one log's load touches no other
  });

  it('keeps slash commands by name, without their secrets, and forgets a deleted one’s log', () => {
    store.start(ME, workspace('admin'));
    const settings = (id: number, name: string) => {
      const { token: _t, signing_secret: _s, ...command } = slashCommand(id, { name });
      return command;
    };
    store.slashCommandsLoaded([settings(2, '/zeta'), settings(1, '/beta')]);
    store.slashCommandSaved(settings(3, '/alpha'));
    store.slashCommandSaved(settings(2, '/gamma'));
    const names = () => (state.slashCommands.status === 'ready' ? state.slashCommands.value.map((c) => c.name) : null);
    expect(names()).toEqual(['/alpha', '/beta', '/gamma']);
    store.deliveriesLoaded(logKey('slash_command', 1), [delivery(5, { kind: 'slash_command', integration_id: 1 })], false, false);
    store.deliveriesLoaded(logKey('events_api', 1), [delivery(6)], false, false);
    store.slashCommandDeleted(1);
    expect(names()).toEqual(['/alpha', '/gamma']);
    expect(state.logs.has(logKey('slash_command', 1))).toBe(false);
    expect(state.logs.has(logKey('events_api', 1))).toBe(true);  // a bot with the same id keeps its log
  });

  it('keeps outgoing webhooks oldest first, without their tokens, and forgets a deleted one’s log', () => {
    store.start(ME, workspace('admin'));
    const settings = (id: number, name = `Out ${id}`) => {
      const { token: _t, ...hook } = outgoingWebhook(id, { name });
      return hook;
    };
    store.outgoingWebhooksLoaded([settings(1), settings(2)]);
    store.outgoingWebhookSaved(settings(3));
    store.outgoingWebhookSaved(settings(1, 'Weather'));
    const names = () => (state.outgoingWebhooks.status === 'ready' ? state.outgoingWebhooks.value.map((h) => h.name) : null);
    expect(names()).toEqual(['Weather', 'Out 2', 'Out 3']);
    store.deliveriesLoaded(logKey('outgoing_webhook', 2), [delivery(5, { kind: 'outgoing_webhook', integration_id: 2 })], false, false);
    store.deliveriesLoaded(logKey('slash_command', 2), [delivery(6, { kind: 'slash_command', integration_id: 2 })], false, false);
    store.outgoingWebhookDeleted(2);
    expect(names()).toEqual(['Weather', 'Out 3']);
    expect(state.logs.has(logKey('outgoing_webhook', 2))).toBe(false);
    expect(state.logs.has(logKey('slash_command', 2))).toBe(true);  // a command with the same id keeps its log
    store.start(ME, workspace('admin'));
    expect(state.outgoingWebhooks.status).toBe('loading');
  });
});
