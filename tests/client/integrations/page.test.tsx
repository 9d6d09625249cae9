// The Integrations page's views over a fake server: who sees which sections, incoming webhooks
// (made with the URL shown once, errors inline, revoked after a confirmation), slash commands
// (made with their secrets shown once, a taken name refused in the form, edited, a new token,
// deleted after a confirmation, their delivery log), outgoing webhooks (the same, with the
// server's refusals beside the field they name) and a delivery log with Replay.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as store from '../../../static/src/integrations/store';
import { useStateChanges } from '../../../static/src/integrations/views/common';
import { DeliveryLog } from '../../../static/src/integrations/views/deliveries';
import { Page } from '../../../static/src/integrations/views/page';
import { channel, member } from '../fixtures';
import { type Answer, attempt, bot, delivery, fakeFetch, outgoingWebhook, slashCommand, WS, webhook, workspace } from './fixtures';

const ME = { id: 1, username: 'ada', display_name: 'Ada', email: 'ada@example.com', is_bot: false, created_at: '2025-01-01T00:00:00.000Z' };
const DIRECTORY: Record<string, Answer> = {
  [`GET /workspaces/${WS}/channels`]: [200, { channels: [channel(1, { name: 'general' })] }],
  [`GET /workspaces/${WS}/channels/browse`]: [200, { channels: [channel(2, { name: 'builds' })] }],
  [`GET /workspaces/${WS}/members`]: [200, { members: [member(1, 'Ada'), member(2, 'Bob')] }],
};

/** A delivery log on its own, re-rendered by the store's changes as the page re-renders it. */
function Log({ integrationId }: { integrationId: number }) {
  useStateChanges();
  return <DeliveryLog kind="events_api" integrationId={integrationId} label={`@bot${integrationId}`} />;
}

const dialog = (testid: string) => document.querySelector<HTMLDialogElement>(`dialog[data-testid="${testid}"]`);

beforeEach(() => {
  location.hash = '';
});

afterEach(() => {
  cleanup();
  for (const open of document.querySelectorAll('dialog')) open.close();
  vi.unstubAllGlobals();
});

describe('the page', () => {
  it('shows admins every section, incoming webhooks first', async () => {
    vi.stubGlobal('fetch', fakeFetch({ ...DIRECTORY, [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [] }] }).fn);
    store.start(ME, workspace('admin'));
    render(<Page />);
    const nav = screen.getByRole('navigation', { name: 'Kinds of integrations' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent))
      .toEqual(['Incoming webhooks', 'Bots', 'Outgoing webhooks', 'Slash commands']);
    expect(within(nav).getByRole('link', { name: 'Incoming webhooks' }).getAttribute('aria-current')).toBe('page');
    expect(await screen.findByTestId('webhooks-empty')).toBeTruthy();
    expect(screen.getByTestId('members-create-webhooks')).toBeTruthy();
  });

  it('shows a member who may make webhooks only theirs, without the admins’ setting', async () => {
    const server = fakeFetch({ ...DIRECTORY, [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [webhook(1, { created_by: 2 })] }] });
    vi.stubGlobal('fetch', server.fn);
    store.start({ ...ME, id: 2 }, workspace('member', { members_create_webhooks: true }));
    render(<Page />);
    const nav = screen.getByRole('navigation', { name: 'Kinds of integrations' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Incoming webhooks']);
    const row = await screen.findByTestId('webhook-row');
    await waitFor(() => expect(row.textContent).toContain('#general'));
    expect(row.textContent).toContain('Bob');
    expect(screen.queryByTestId('members-create-webhooks')).toBeNull();
    expect(server.calls.some((c) => c.path.includes('/bots') || c.path.includes('/deliveries'))).toBe(false);
  });
});

describe('incoming webhooks', () => {
  it('makes one for a channel and shows its URL once; the server’s refusal shows in the form', async () => {
    const url = `http://chat.example.test/hooks/${'s'.repeat(43)}`;
    const made = { ...webhook(5, { name: 'Alerts', channel_id: 2 }), url };
    const server = fakeFetch({
      ...DIRECTORY,
      [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [] }],
      [`POST /workspaces/${WS}/webhooks`]: [
        [403, { error: { code: 'broadcast_only', message: 'only admins and named posters write in #builds' } }],
        [201, made],
      ],
    });
    vi.stubGlobal('fetch', server.fn);
    store.start(ME, workspace('admin'));
    render(<Page />);
    await screen.findByTestId('webhooks-empty');
    fireEvent.click(screen.getByTestId('new-webhook'));
    const form = dialog('new-webhook-dialog');
    if (!form) throw new Error('no dialog');
    const select = await waitFor(() => {
      const s = within(form).getByLabelText('Channel') as HTMLSelectElement;
      expect(s.options.length).toBe(3);
      return s;
    });
    fireEvent.change(select, { target: { value: '2' } });
    fireEvent.input(within(form).getByLabelText('Name'), { target: { value: ' Alerts ' } });
    fireEvent.submit(within(form).getByTestId('new-webhook-form'));
    await waitFor(() => expect(within(form).getByTestId('new-webhook-error').textContent).toBe('only admins and named posters write in #builds'));

    fireEvent.submit(within(form).getByTestId('new-webhook-form'));
    const secret = await within(form).findByTestId('webhook-url');
    expect((secret as HTMLInputElement).value).toBe(url);
    expect(server.calls.filter((c) => c.method === 'POST').map((c) => c.body))
      .toEqual([{ channel_id: 2, name: 'Alerts', icon_url: null }, { channel_id: 2, name: 'Alerts', icon_url: null }]);
    const row = await screen.findByTestId('webhook-row');
    expect(row.textContent).toContain('#builds');
    expect(row.textContent).toContain('…/hooks/abcd1234…');
    fireEvent.click(within(form).getByTestId('webhook-secret-done'));
    expect(dialog('new-webhook-dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(url);  // shown once: gone with its dialog
  });

  it('revokes one only after a confirmation', async () => {
    const server = fakeFetch({
      ...DIRECTORY,
      [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [webhook(3, { name: 'Nagios' })] }],
      'DELETE /webhooks/3': [200, webhook(3, { name: 'Nagios', revoked: true, revoked_at: '2025-02-01T00:00:00.000Z' })],
    });
    vi.stubGlobal('fetch', server.fn);
    store.start(ME, workspace('admin'));
    render(<Page />);
    const row = await screen.findByTestId('webhook-row');

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke webhook Nagios' }));
    const confirm = dialog('confirm-dialog');
    expect(confirm?.textContent).toContain('Revoke “Nagios”?');
    fireEvent.click(within(confirm as HTMLElement).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(dialog('confirm-dialog')).toBeNull());
    expect(server.calls.some((c) => c.method === 'DELETE')).toBe(false);

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke webhook Nagios' }));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByTestId('confirm-button'));
    await waitFor(() => expect(screen.getByTestId('webhook-row').textContent).toContain('revoked'));
    expect(server.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/webhooks/3']);
    expect(screen.queryByRole('button', { name: 'Revoke webhook Nagios' })).toBeNull();
  });
});

describe('slash commands', () => {
  // /weather is signed as @build (bot 7); bot 201 is /weather's own bot account and bot 105 an
  // incoming webhook's: neither is a bot people made, to sign commands with.
  const weather = slashCommand(1, { name: '/weather', url: 'https://weather.example.test/slack', description: 'The forecast',
    usage_hint: '[city]', app_bot_id: 7 });
  const SERVER: Record<string, Answer> = {
    [`GET /workspaces/${WS}/bots`]: [200, { bots: [bot(7, { username: 'build' }), bot(105), bot(201, { username: 'weather' })] }],
    [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [webhook(5)] }],
    [`GET /workspaces/${WS}/deliveries`]: [200, { deliveries: [], has_more: false }],
  };
  const open = async (routes: Record<string, Answer | Answer[]>) => {
    const server = fakeFetch({ ...SERVER, ...routes });
    vi.stubGlobal('fetch', server.fn);
    store.start(ME, workspace('admin'));
    store.showSection('slash-commands');
    render(<Page />);
    return server;
  };
  const rowOf = (name: string) => document.querySelector(`[data-testid="slash-command-row"][data-command="${name}"]`) as HTMLElement;
  const fill = (form: HTMLElement, values: Record<string, string>) => {
    for (const [label, value] of Object.entries(values)) fireEvent.input(within(form).getByLabelText(label), { target: { value } });
  };

  it('lists each command with its hint, URL and signing bot; members do not see the section', async () => {
    const server = await open({ [`GET /workspaces/${WS}/slash-commands`]: [200, { slash_commands: [weather] }] });
    const row = await screen.findByTestId('slash-command-row');
    await waitFor(() => expect(row.textContent).toContain('@build'));
    expect([...row.querySelectorAll('th, td')].slice(0, 5).map((c) => c.textContent))
      .toEqual(['/weather', 'The forecast', '[city]', 'https://weather.example.test/slack', '@build']);
    expect(document.body.innerHTML).not.toContain(weather.token);  // the list's answer carries it; the page does not show it
    expect(server.calls.find((c) => c.path === `/workspaces/${WS}/slash-commands`)?.method).toBe('GET');

    cleanup();
    const member = fakeFetch({ ...DIRECTORY, [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [] }] });
    vi.stubGlobal('fetch', member.fn);
    store.start({ ...ME, id: 2 }, workspace('member', { members_create_webhooks: true }));
    store.showSection('slash-commands');
    render(<Page />);
    expect(screen.queryByTestId('section-slash-commands')).toBeNull();
    expect(screen.queryByRole('link', { name: 'Slash commands' })).toBeNull();
    await screen.findByTestId('webhooks-empty');
    expect(member.calls.some((c) => c.path.includes('slash-commands'))).toBe(false);
  });

  it('makes one: a taken name is refused in the form, then its token and signing secret are shown once', async () => {
    const made = slashCommand(2, { name: '/deploy', url: 'https://deploy.example.test/slack', description: 'Ship a build',
      usage_hint: '[environment]' });
    const server = await open({
      [`GET /workspaces/${WS}/slash-commands`]: [200, { slash_commands: [weather] }],
      [`POST /workspaces/${WS}/slash-commands`]: [
        [409, { error: { code: 'name_taken', message: '/help is a built-in command', field: 'name' } }],
        [201, made],
      ],
    });
    await screen.findByTestId('slash-command-row');
    fireEvent.click(screen.getByTestId('new-slash-command'));
    const form = dialog('new-slash-command-dialog');
    if (!form) throw new Error('no dialog');
    // People's bots only: not the webhook's, nor /weather's own.
    const signers = await waitFor(() => {
      const options = [...(within(form).getByLabelText('Sign requests with') as HTMLSelectElement).options].map((o) => o.textContent);
      expect(options).toHaveLength(2);
      return options;
    });
    expect(signers).toEqual(['The command’s own signing secret', '@build’s signing secret']);
    fill(form, { Command: 'Help', 'Request URL': 'https://deploy.example.test/slack', 'Description (optional)': ' Ship a build ',
      'Usage hint (optional)': '[environment]' });
    fireEvent.submit(within(form).getByTestId('slash-command-form'));
    await waitFor(() => expect(within(form).getByTestId('slash-command-form-error').textContent).toBe('/help is a built-in command'));

    fill(form, { Command: '/deploy' });
    fireEvent.submit(within(form).getByTestId('slash-command-form'));
    const token = await within(form).findByTestId('slash-command-token');
    expect((token as HTMLInputElement).value).toBe(made.token);
    expect((within(form).getByTestId('slash-command-signing-secret') as HTMLInputElement).value).toBe(made.signing_secret);
    expect(document.activeElement).toBe(token);
    expect(server.calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([
      { name: '/help', url: 'https://deploy.example.test/slack', description: 'Ship a build', usage_hint: '[environment]', app_bot_id: null },
      { name: '/deploy', url: 'https://deploy.example.test/slack', description: 'Ship a build', usage_hint: '[environment]', app_bot_id: null },
    ]);
    // Listed by name: /deploy before /weather.
    await waitFor(() => expect(screen.getAllByTestId('slash-command-row').map((r) => r.dataset.command)).toEqual(['/deploy', '/weather']));
    expect(rowOf('/deploy').textContent).toContain('none');
    fireEvent.click(within(form).getByTestId('new-slash-command-done'));
    expect(dialog('new-slash-command-dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(made.token);  // shown once: gone with its dialog
    expect(document.body.innerHTML).not.toContain(made.signing_secret);
  });

  it('edits one, sending only what changed', async () => {
    const server = await open({
      [`GET /workspaces/${WS}/slash-commands`]: [200, { slash_commands: [weather] }],
      'PATCH /slash-commands/1': [200, { ...weather, usage_hint: '[city] [days]', app_bot_id: null }],
    });
    const row = await screen.findByTestId('slash-command-row');
    await waitFor(() => expect(row.textContent).toContain('@build'));
    fireEvent.click(within(row).getByRole('button', { name: 'Edit /weather' }));
    const form = dialog('edit-slash-command-dialog');
    if (!form) throw new Error('no dialog');
    const select = within(form).getByLabelText('Sign requests with') as HTMLSelectElement;
    expect(select.value).toBe('7');
    expect((within(form).getByLabelText('Command') as HTMLInputElement).value).toBe('/weather');
    fill(form, { 'Usage hint (optional)': '[city] [days]' });
    fireEvent.change(select, { target: { value: '' } });
    fireEvent.submit(within(form).getByTestId('slash-command-form'));
    await waitFor(() => expect(dialog('edit-slash-command-dialog')).toBeNull());
    expect(server.calls.filter((c) => c.method === 'PATCH').map((c) => [c.path, c.body]))
      .toEqual([['/slash-commands/1', { usage_hint: '[city] [days]', app_bot_id: null }]]);
    await waitFor(() => expect(rowOf('/weather').textContent).toContain('[city] [days]'));
    expect(rowOf('/weather').textContent).toContain('none');
  });

  it('gives one a new token after a confirmation, shows its delivery log, and deletes it after another', async () => {
    const server = await open({
      [`GET /workspaces/${WS}/slash-commands`]: [200, { slash_commands: [weather] }],
      [`GET /workspaces/${WS}/deliveries`]: [200, { deliveries: [delivery(9, { kind: 'slash_command', integration_id: 1, event: '/weather' })],
        has_more: false }],
      'POST /slash-commands/1/token': [200, { ...weather, token: 'f'.repeat(24) }],
      'DELETE /slash-commands/1': [200, { ok: true }],
    });
    const row = await screen.findByTestId('slash-command-row');
    fireEvent.click(within(row).getByRole('button', { name: 'Manage /weather' }));
    const details = await screen.findByTestId('slash-command-details');
    await within(details).findByTestId('delivery-row');
    expect(server.calls.find((c) => c.path === `/workspaces/${WS}/deliveries`)?.query)
      .toBe('kind=slash_command&integration_id=1&limit=20');

    fireEvent.click(within(details).getByTestId('slash-command-new-token'));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByTestId('confirm-button'));
    const token = await within(details).findByTestId('slash-command-token');
    expect((token as HTMLInputElement).value).toBe('f'.repeat(24));
    fireEvent.click(within(details).getByRole('button', { name: 'I have copied it' }));
    expect(document.body.innerHTML).not.toContain('f'.repeat(24));

    fireEvent.click(within(row).getByRole('button', { name: 'Delete /weather' }));
    const confirm = dialog('confirm-dialog');
    expect(confirm?.textContent).toContain('Delete /weather?');
    fireEvent.click(within(confirm as HTMLElement).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(dialog('confirm-dialog')).toBeNull());
    expect(server.calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(within(row).getByRole('button', { name: 'Delete /weather' }));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByTestId('confirm-button'));
    expect(await screen.findByTestId('slash-commands-empty')).toBeTruthy();
    expect(server.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/slash-commands/1']);
  });

  it('shows why a change was refused in its row', async () => {
    await open({
      [`GET /workspaces/${WS}/slash-commands`]: [200, { slash_commands: [weather] }],
      'DELETE /slash-commands/1': [403, { error: { code: 'admin_only', message: 'only workspace admins can do this' } }],
    });
    const row = await screen.findByTestId('slash-command-row');
    fireEvent.click(within(row).getByRole('button', { name: 'Delete /weather' }));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByTestId('confirm-button'));
    expect((await screen.findByTestId('slash-command-error')).textContent).toBe('only workspace admins can do this');
    expect(screen.getByTestId('slash-command-row')).toBeTruthy();
  });
});

describe('outgoing webhooks', () => {
  // Weather watches #general (1) and a private channel this admin is not in (9) for "weather".
  const weather = outgoingWebhook(1, { name: 'Weather', description: 'The forecast', channel_ids: [1, 9],
    trigger_words: ['weather', 'wx'], trigger_when: 'starts_with', callback_urls: ['https://a.example.test/wx', 'https://b.example.test/wx'],
    content_type: 'application/x-www-form-urlencoded' });
  const open = async (routes: Record<string, Answer | Answer[]>, section = 'outgoing-webhooks') => {
    const server = fakeFetch({ ...DIRECTORY, [`GET /workspaces/${WS}/deliveries`]: [200, { deliveries: [], has_more: false }], ...routes });
    vi.stubGlobal('fetch', server.fn);
    store.start(ME, workspace('admin'));
    store.showSection(section);
    render(<Page />);
    return server;
  };
  const rowOf = (name: string) => document.querySelector(`[data-testid="outgoing-webhook-row"][data-hook="${name}"]`) as HTMLElement;
  const ticked = (form: HTMLElement) => within(form).getAllByTestId('outgoing-webhook-channel')
    .filter((c) => (c as HTMLInputElement).checked).map((c) => (c as HTMLElement).dataset.channelId);

  it('lists each hook with what it watches, where it sends and how, never its token', async () => {
    await open({ [`GET /workspaces/${WS}/outgoing-webhooks`]: [200, { outgoing_webhooks: [weather,
      outgoingWebhook(2, { name: 'Echo', trigger_words: ['echo'] })] }] });
    await waitFor(() => expect(rowOf('Weather').textContent).toContain('#general'));
    expect([...rowOf('Weather').querySelectorAll('th, td')].slice(0, 5).map((c) => c.textContent)).toEqual([
      'WeatherThe forecast', '#general, a private channel', 'weather, wxfirst word starts with one',
      'https://a.example.test/wxhttps://b.example.test/wx', 'Form']);
    expect(within(rowOf('Echo')).getByTestId('outgoing-webhook-channels-cell').textContent).toBe('any public channel');
    expect(within(rowOf('Echo')).getByTestId('outgoing-webhook-triggers-cell').textContent).toBe('echofirst word is one');
    expect(document.body.innerHTML).not.toContain(weather.token);  // the list's answer carries it; the page does not show it
  });

  it('makes one: the server’s refusal shows beside its field, then the token is shown once', async () => {
    const made = outgoingWebhook(3, { name: 'Pinger', channel_ids: [2], trigger_words: ['ping', 'pong'],
      callback_urls: ['https://p.example.test/1', 'https://p.example.test/3'] });
    const server = await open({
      [`GET /workspaces/${WS}/outgoing-webhooks`]: [200, { outgoing_webhooks: [] }],
      [`POST /workspaces/${WS}/outgoing-webhooks`]: [
        [400, { error: { code: 'invalid', field: 'trigger_words', message: 'give channel_ids, trigger_words or both: a hook for any public channel needs trigger words' } }],
        [201, made],
      ],
    });
    await screen.findByTestId('outgoing-webhooks-empty');
    fireEvent.click(screen.getByTestId('new-outgoing-webhook'));
    const form = dialog('new-outgoing-webhook-dialog');
    if (!form) throw new Error('no dialog');
    await waitFor(() => expect(within(form).getAllByTestId('outgoing-webhook-channel')).toHaveLength(2));
    expect(ticked(form)).toEqual([]);
    fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'Pinger' } });
    fireEvent.input(within(form).getByLabelText('Callback URL 1'), { target: { value: 'https://p.example.test/1' } });
    // Up to five URLs; an empty or removed row is not sent.
    const add = within(form).getByTestId('outgoing-webhook-url-add') as HTMLButtonElement;
    for (let i = 0; i < 4; i++) fireEvent.click(add);
    expect(within(form).getAllByTestId('outgoing-webhook-url')).toHaveLength(5);
    expect(add.disabled).toBe(true);
    fireEvent.input(within(form).getByLabelText('Callback URL 2'), { target: { value: 'https://p.example.test/2' } });
    fireEvent.input(within(form).getByLabelText('Callback URL 3'), { target: { value: 'https://p.example.test/3' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Remove callback URL 2' }));
    expect((within(form).getByLabelText('Callback URL 2') as HTMLInputElement).value).toBe('https://p.example.test/3');
    expect(add.disabled).toBe(false);
    fireEvent.submit(within(form).getByTestId('outgoing-webhook-form'));
    const error = await within(form).findByTestId('outgoing-webhook-form-error');
    expect(error.textContent).toContain('a hook for any public channel needs trigger words');
    expect(within(form).getByLabelText('Trigger words').getAttribute('aria-invalid')).toBe('true');
    // It sits under the trigger words, not at the form's end.
    expect(error.previousElementSibling?.id).toBe('outgoing-webhook-trigger-hint');

    fireEvent.click(within(form).getByText('#builds'));
    fireEvent.input(within(form).getByLabelText('Trigger words'), { target: { value: 'ping, pong ping' } });
    fireEvent.submit(within(form).getByTestId('outgoing-webhook-form'));
    const token = await within(form).findByTestId('outgoing-webhook-token');
    expect((token as HTMLInputElement).value).toBe(made.token);
    expect(document.activeElement).toBe(token);
    const bodies = server.calls.filter((c) => c.method === 'POST').map((c) => c.body);
    expect(bodies[1]).toEqual({ name: 'Pinger', description: '', icon_url: null, channel_ids: [2], trigger_words: ['ping', 'pong'],
      trigger_when: 'first_word', callback_urls: ['https://p.example.test/1', 'https://p.example.test/3'],
      content_type: 'application/json', ignore_bots: true });
    expect(bodies[0]).toMatchObject({ channel_ids: [], trigger_words: [] });
    await waitFor(() => expect(rowOf('Pinger').textContent).toContain('#builds'));
    fireEvent.click(within(form).getByTestId('new-outgoing-webhook-done'));
    expect(dialog('new-outgoing-webhook-dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(made.token);  // shown once: gone with its dialog
  });

  it('edits one, sending only what changed; nothing left to match is refused in the form', async () => {
    const server = await open({
      [`GET /workspaces/${WS}/outgoing-webhooks`]: [200, { outgoing_webhooks: [weather] }],
      'PATCH /outgoing-webhooks/1': [
        [409, { error: { code: 'nothing_to_match', field: 'trigger_words',
          message: 'the hook would watch every message of every public channel: keep channel_ids or trigger_words' } }],
        [200, { ...weather, channel_ids: [9], ignore_bots: false }],
      ],
    });
    await waitFor(() => expect(rowOf('Weather').textContent).toContain('#general'));
    fireEvent.click(within(rowOf('Weather')).getByRole('button', { name: 'Edit Weather' }));
    const form = dialog('edit-outgoing-webhook-dialog');
    if (!form) throw new Error('no dialog');
    // The hook's own channels are ticked, the private one it watches included.
    expect(ticked(form)).toEqual(['1', '9']);
    expect(within(form).getByText('a private channel')).toBeTruthy();
    expect((within(form).getByLabelText('Trigger words') as HTMLInputElement).value).toBe('weather, wx');
    expect((within(form).getByLabelText('A message matches when its') as HTMLSelectElement).value).toBe('starts_with');
    expect((within(form).getByLabelText('Send as') as HTMLSelectElement).value).toBe('application/x-www-form-urlencoded');
    expect(within(form).getAllByTestId('outgoing-webhook-url').map((u) => (u as HTMLInputElement).value))
      .toEqual(['https://a.example.test/wx', 'https://b.example.test/wx']);

    fireEvent.click(within(form).getByText('#general'));
    fireEvent.click(within(form).getByText('a private channel'));
    fireEvent.input(within(form).getByLabelText('Trigger words'), { target: { value: '' } });
    fireEvent.submit(within(form).getByTestId('outgoing-webhook-form'));
    await waitFor(() => expect(within(form).getByTestId('outgoing-webhook-form-error').textContent)
      .toBe('the hook would watch every message of every public channel: keep channel_ids or trigger_words'));

    fireEvent.click(within(form).getByText('a private channel'));
    fireEvent.input(within(form).getByLabelText('Trigger words'), { target: { value: 'weather wx' } });
    fireEvent.click(within(form).getByTestId('outgoing-webhook-ignore-bots'));
    fireEvent.submit(within(form).getByTestId('outgoing-webhook-form'));
    await waitFor(() => expect(dialog('edit-outgoing-webhook-dialog')).toBeNull());
    expect(server.calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
      { channel_ids: [], trigger_words: [] },
      { channel_ids: [9], ignore_bots: false },
    ]);
    await waitFor(() => expect(rowOf('Weather').textContent).not.toContain('#general'));
  });

  it('gives one a new token after a confirmation, shows its delivery log, and deletes it after another', async () => {
    const server = await open({
      [`GET /workspaces/${WS}/outgoing-webhooks`]: [200, { outgoing_webhooks: [weather] }],
      [`GET /workspaces/${WS}/deliveries`]: [200, { deliveries: [delivery(9, { kind: 'outgoing_webhook', integration_id: 1,
        event: 'message' })], has_more: false }],
      'POST /outgoing-webhooks/1/token': [200, { ...weather, token: 'n'.repeat(26) }],
      'DELETE /outgoing-webhooks/1': [200, { ok: true }],
    });
    const row = await screen.findByTestId('outgoing-webhook-row');
    fireEvent.click(within(row).getByRole('button', { name: 'Manage Weather' }));
    const details = await screen.findByTestId('outgoing-webhook-details');
    await within(details).findByTestId('delivery-row');
    expect(server.calls.find((c) => c.path === `/workspaces/${WS}/deliveries`)?.query)
      .toBe('kind=outgoing_webhook&integration_id=1&limit=20');

    fireEvent.click(within(details).getByTestId('outgoing-webhook-new-token'));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(dialog('confirm-dialog')).toBeNull());
    expect(server.calls.some((c) => c.path === '/outgoing-webhooks/1/token')).toBe(false);
    fireEvent.click(within(details).getByTestId('outgoing-webhook-new-token'));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByTestId('confirm-button'));
    const token = await within(details).findByTestId('outgoing-webhook-token');
    expect((token as HTMLInputElement).value).toBe('n'.repeat(26));
    fireEvent.click(within(details).getByRole('button', { name: 'I have copied it' }));
    expect(document.body.innerHTML).not.toContain('n'.repeat(26));

    fireEvent.click(within(row).getByRole('button', { name: 'Delete Weather' }));
    const confirm = dialog('confirm-dialog');
    expect(confirm?.textContent).toContain('Delete Weather?');
    fireEvent.click(within(confirm as HTMLElement).getByTestId('confirm-button'));
    expect(await screen.findByTestId('outgoing-webhooks-empty')).toBeTruthy();
    expect(server.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/outgoing-webhooks/1']);
  });

  it('shows why a deletion was refused in its row', async () => {
    await open({
      [`GET /workspaces/${WS}/outgoing-webhooks`]: [200, { outgoing_webhooks: [weather] }],
      'DELETE /outgoing-webhooks/1': [403, { error: { code: 'admin_only', message: 'only workspace admins can do this' } }],
    });
    const row = await screen.findByTestId('outgoing-webhook-row');
    fireEvent.click(within(row).getByRole('button', { name: 'Delete Weather' }));
    fireEvent.click(within(dialog('confirm-dialog') as HTMLElement).getByTestId('confirm-button'));
    expect((await screen.findByTestId('outgoing-webhook-error')).textContent).toBe('only workspace admins can do this');
  });

  it('keeps its bot out of the Bots section, as the webhooks’ and commands’ bots', async () => {
    await open({
      [`GET /workspaces/${WS}/bots`]: [200, { bots: [bot(7, { username: 'build' }), bot(301, { username: 'weather' })] }],
      [`GET /workspaces/${WS}/webhooks`]: [200, { webhooks: [] }],
      [`GET /workspaces/${WS}/slash-commands`]: [200, { slash_commands: [] }],
      [`GET /workspaces/${WS}/outgoing-webhooks`]: [200, { outgoing_webhooks: [weather] }],
    }, 'bots');
    await waitFor(() => expect(screen.getAllByTestId('bot-row')).toHaveLength(1));
    expect(screen.getByTestId('bot-row').textContent).toContain('@build');
  });
});

describe('a delivery log', () => {
  it('lists deliveries with their last attempt, and replays one on top', async () => {
    const failed = delivery(5, { status: 'given_up', attempts: 2, attempt_log: [
      attempt(1, { status_code: 500, error: 'HTTP 500', response_excerpt: 'boom' }),
      attempt(2, { status_code: 503, error: 'HTTP 503', response_excerpt: 'down for maintenance' })] });
    const replay = delivery(6, { replay_of_id: 5 });
    const server = fakeFetch({
      [`GET /workspaces/${WS}/deliveries`]: [200, { deliveries: [failed, delivery(4)], has_more: false }],
      'POST /deliveries/5/replay': [
        [429, { error: { code: 'rate_limited', message: 'too many replayed deliveries: try again in 60 s', retry_after: 60 } }],
        [201, replay],
      ],
    });
    vi.stubGlobal('fetch', server.fn);
    store.start(ME, workspace('admin'));
    render(<Log integrationId={7} />);
    await screen.findAllByTestId('delivery-row');
    expect(server.calls[0]?.query).toBe('kind=events_api&integration_id=7&limit=20');
    const rowOf = (id: number) => document.querySelector(`[data-testid="delivery-row"][data-delivery-id="${id}"]`) as HTMLElement;
    const cells = [...rowOf(5).querySelectorAll('td')].map((td) => td.textContent);
    expect(cells.slice(2, 8)).toEqual(['Given up', '2', '120 ms', '503', 'HTTP 503', 'down for maintenance']);

    fireEvent.click(within(rowOf(5)).getByRole('button', { name: 'Replay delivery 5' }));
    const refused = await screen.findByText('too many replayed deliveries: try again in 60 s');
    expect(refused.getAttribute('role')).toBe('alert');

    fireEvent.click(within(rowOf(5)).getByRole('button', { name: 'Replay delivery 5' }));
    await waitFor(() => expect(screen.getAllByTestId('delivery-row').map((r) => r.dataset.deliveryId)).toEqual(['6', '5', '4']));
    expect(rowOf(6).textContent).toContain('replay of #5');
    expect(screen.queryByText('too many replayed deliveries: try again in 60 s')).toBeNull();
  });

  it('says when there is nothing yet, and shows why a page could not load', async () => {
    vi.stubGlobal('fetch', fakeFetch({
      [`GET /workspaces/${WS}/deliveries`]: [[200, { deliveries: [], has_more: false }],
        [403, { error: { code: 'admin_only', message: 'only workspace admins can do this' } }]],
    }).fn);
    store.start(ME, workspace('admin'));
    render(<Log integrationId={8} />);
    expect((await screen.findByTestId('deliveries-empty')).textContent).toContain('@bot8');
    fireEvent.click(screen.getByTestId('deliveries-refresh'));
    await waitFor(() => expect(screen.getByTestId('deliveries-error').textContent).toBe('only workspace admins can do this'));
  });
});
