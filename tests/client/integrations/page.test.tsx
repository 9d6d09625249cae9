// The Integrations page's views over a fake server: who sees which sections, incoming webhooks
// (made with the URL shown once, errors inline, revoked after a confirmation) and a delivery
// log with Replay.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as store from '../../../static/src/integrations/store';
import { useStateChanges } from '../../../static/src/integrations/views/common';
import { DeliveryLog } from '../../../static/src/integrations/views/deliveries';
import { Page } from '../../../static/src/integrations/views/page';
import { channel, member } from '../fixtures';
import { type Answer, attempt, delivery, fakeFetch, WS, webhook, workspace } from './fixtures';

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

  it('leaves outgoing webhooks and slash commands empty, ready for their APIs', async () => {
    vi.stubGlobal('fetch', fakeFetch({}).fn);
    store.start(ME, workspace('owner'));
    store.showSection('slash-commands');
    render(<Page />);
    expect(screen.getByTestId('slash-commands-empty').textContent).toContain('No slash commands yet');
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
