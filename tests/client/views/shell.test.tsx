import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Channel, Workspace } from '../../../static/src/api/types';
import { applyEphemeral } from '../../../static/src/chat/events';
import { register } from '../../../static/src/chat/render';
import { state } from '../../../static/src/chat/state';
import * as store from '../../../static/src/chat/store';
import { Badges, ConnectionBanner, countsLabel, Header, Sidebar, WorkspaceBar } from '../../../static/src/chat/views/shell';

function channel(id: number, fields: Partial<Channel>): Channel {
  return {
    id, name: `room${id}`, kind: 'public', archived: false, broadcast: false, is_default: false, created_at: '2025-01-31T09:00:00Z',
    created_by: 1, last_message_id: id, purpose: '', topic: '', workspace_id: 10, unread_count: 0, mention_count: 0, ...fields,
  };
}

function workspace(id: number, fields: Partial<Workspace> = {}): Workspace {
  return { id, name: `Workspace ${id}`, created_at: '2025-01-31T09:00:00Z', max_file_size: 1000, role: 'member',
    members_create_webhooks: false, webhook_overrides: false, ...fields };
}

/** The state a test renders from, made through the store's mutations as the app makes it. */
function given(channels: Channel[], { current = workspace(10), others = [] as Workspace[] } = {}) {
  store.setWorkspaces([current, ...others]);
  store.enterWorkspace(current.id);
  store.workspaceLoaded(channels, [], {}, true);
  const first = channels[0];
  if (first) store.channelOpened(first.id);
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('countsLabel', () => {
  it('names the counts a badge shows, capped like the server', () => {
    expect(countsLabel('#general', 0, 0)).toBe('#general');
    expect(countsLabel('#general', 3, 0)).toBe('#general, 3 unread');
    expect(countsLabel('Bob', 1, 1)).toBe('Bob, 1 unread, 1 mention');
    expect(countsLabel('#big', 1000, 2)).toBe('#big, 999+ unread, 2 mentions');
  });
});

describe('Badges', () => {
  it('shows mentions instead of the unread count when there are any', () => {
    render(<Badges unread={4} mentions={2} testPrefix="channel" />);
    expect(screen.getByTestId('channel-mentions').textContent).toBe('2');
    expect(screen.queryByTestId('channel-unread')).toBeNull();
  });

  it('shows the unread count, capped at 999+', () => {
    render(<Badges unread={1000} mentions={0} testPrefix="workspace" />);
    expect(screen.getByTestId('workspace-unread').textContent).toBe('999+');
  });

  it('shows nothing when all is read', () => {
    const { container } = render(<Badges unread={0} mentions={0} testPrefix="channel" />);
    expect(container.innerHTML).toBe('');
  });
});

describe('ConnectionBanner', () => {
  it('is hidden while connected', () => {
    render(<ConnectionBanner connected online everConnected />);
    expect(screen.getByTestId('connection-banner').hidden).toBe(true);
  });

  it('says connecting before the first connection, and reconnecting after a loss', () => {
    const { rerender } = render(<ConnectionBanner connected={false} online everConnected={false} />);
    const banner = screen.getByTestId('connection-banner');
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe('Connecting…');
    expect(banner.getAttribute('role')).toBe('status');
    rerender(<ConnectionBanner connected={false} online everConnected />);
    expect(banner.textContent).toBe('Connection lost. Reconnecting…');
  });

  it('says when the browser is offline', () => {
    render(<ConnectionBanner connected={false} online={false} everConnected />);
    expect(screen.getByTestId('connection-banner').textContent).toMatch(/^You are offline\./);
  });
});

describe('Sidebar', () => {
  beforeEach(() => {
    given([
      channel(1, { name: 'general', is_default: true }),
      channel(2, { name: 'random', unread_count: 3 }),
      channel(3, { name: 'alerts', unread_count: 5, mention_count: 1 }),
      channel(4, { name: 'old', archived: true }),
      channel(5, { name: null, kind: 'dm', unread_count: 2, members: [{ id: 1, display_name: 'Ada Lovelace', username: 'ada', is_bot: false },
        { id: 2, display_name: 'Bob', username: 'bob', is_bot: false }] }),
    ]);
  });

  it('lists rooms by name with archived ones last, and direct messages apart', () => {
    render(<Sidebar />);
    const rooms = [...document.querySelectorAll('[aria-labelledby="sec-channels"] [data-testid="channel"]')]
      .map((el) => el.getAttribute('data-channel-name'));
    expect(rooms).toEqual(['alerts', 'general', 'random', 'old']);
    const direct = document.querySelector('[aria-labelledby="sec-direct"] [data-testid="channel"]');
    expect(direct?.getAttribute('data-channel-name')).toBeNull();
    expect(direct?.querySelector('.channel-name')?.textContent).toBe('Bob');
  });

  it('marks the current channel and shows each one’s badge and counts label', () => {
    render(<Sidebar />);
    const general = screen.getByRole('button', { name: '#general' });
    expect(general.getAttribute('aria-current')).toBe('page');
    const random = screen.getByRole('button', { name: '#random, 3 unread' });
    expect(random.classList.contains('unread')).toBe(true);
    expect(random.querySelector('[data-testid="channel-unread"]')?.textContent).toBe('3');
    const alerts = screen.getByRole('button', { name: '#alerts, 5 unread, 1 mention' });
    expect(alerts.querySelector('[data-testid="channel-mentions"]')?.textContent).toBe('1');
    expect(alerts.querySelector('[data-testid="channel-unread"]')).toBeNull();
  });

  it('counts an unread direct message as a mention', () => {
    render(<Sidebar />);
    const bob = screen.getByRole('button', { name: 'Bob, 2 unread, 2 mentions' });
    expect(bob.querySelector('[data-testid="channel-mentions"]')?.textContent).toBe('2');
    expect(bob.querySelector('[data-presence-user="2"]')).not.toBeNull();
  });

  it('offers workspace administration to admins only', () => {
    render(<Sidebar />);
    expect(screen.queryByTestId('members-link')).toBeNull();
    cleanup();
    store.setWorkspaces([workspace(10, { role: 'admin' })]);
    render(<Sidebar />);
    expect(screen.getByTestId('members-link').textContent).toBe('Manage members');
  });

  it('invites the person to create a workspace when there is none', () => {
    store.clearWorkspace();
    store.setWorkspaces([]);
    render(<Sidebar />);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('No workspace');
    expect(screen.getByRole('button', { name: 'Create a workspace' })).toBeTruthy();
  });
});

describe('Header', () => {
  afterEach(() => register('header', () => {}));

  it('mutes the open channel and unmutes it, following my other tabs’ changes too', async () => {
    given([channel(2, { name: 'random' }), channel(3, { name: 'alerts' })]);
    const calls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push(`${init.method} ${url}`);
      const muted = init.method === 'PUT';
      return new Response(JSON.stringify(channel(2, { name: 'random', muted })), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }));
    const { rerender } = render(<Header />);
    register('header', () => rerender(<Header />));  // as mountApp does: the store invalidates the header
    expect(screen.queryByTestId('muted-tag')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Mute channel' }));
    const unmute = await screen.findByRole('button', { name: 'Unmute channel' });
    expect(calls).toEqual(['PUT /api/v1/channels/2/mute']);
    expect(state.channels.get(2)?.muted).toBe(true);
    expect(screen.getByTestId('muted-tag').textContent).toBe('muted');

    fireEvent.click(unmute);
    await screen.findByRole('button', { name: 'Mute channel' });
    expect(calls).toEqual(['PUT /api/v1/channels/2/mute', 'DELETE /api/v1/channels/2/mute']);

    // Muted from another tab: the server tells every tab (channel.muted), and the header follows.
    applyEphemeral('channel.muted', { channel_id: 2, muted: true, workspace_id: 10 });
    await waitFor(() => expect(screen.getByTestId('mute-toggle').getAttribute('aria-label')).toBe('Unmute channel'));
    applyEphemeral('channel.muted', { channel_id: 3, muted: true, workspace_id: 10 });  // another channel's: not this header's
    expect(state.channels.get(3)?.muted).toBe(true);
    expect(screen.getByTestId('mute-toggle').getAttribute('aria-label')).toBe('Unmute channel');
  });

  it('calls a direct conversation a conversation', () => {
    given([channel(5, { name: null, kind: 'dm', muted: true, members: [{ id: 1, display_name: 'Ada', username: 'ada', is_bot: false },
      { id: 2, display_name: 'Bob', username: 'bob', is_bot: false }] })]);
    render(<Header />);
    expect(screen.getByRole('button', { name: 'Unmute conversation' })).toBeTruthy();
  });
});

describe('WorkspaceBar', () => {
  it('totals the current workspace from its channels and takes other workspaces’ counts from the server', () => {
    given([channel(2, { unread_count: 3 }), channel(3, { unread_count: 1, mention_count: 1 })],
      { others: [workspace(20, { name: 'Globex', unread_count: 7, mention_count: 0 })] });
    render(<WorkspaceBar />);
    const [current, other] = screen.getAllByTestId('workspace');
    expect(current?.getAttribute('aria-label')).toBe('Workspace 10, 4 unread, 1 mention');
    expect(current?.getAttribute('aria-current')).toBe('true');
    expect(current?.querySelector('[data-testid="workspace-mentions"]')?.textContent).toBe('1');
    expect(other?.getAttribute('aria-label')).toBe('Globex, 7 unread');
    expect(other?.classList.contains('has-unread')).toBe(true);
    expect(other?.querySelector('.workspace-initials')?.textContent).toBe('G');
  });
});
