import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel, Message } from '../../../static/src/api/types';
import * as store from '../../../static/src/chat/store';
import { MessageList, typingText } from '../../../static/src/chat/views/messages';

const T0 = new Date(2025, 0, 31, 9, 0, 0).getTime();

function message(id: number, authorId: number, minutes: number, fields: Partial<Message> = {}): Message {
  return {
    id, channel_id: 1, workspace_id: 10, author: { id: authorId, display_name: authorId === 1 ? 'Ada Lovelace' : 'Bob', username: `u${authorId}`, is_bot: false },
    body: `text ${id}`, html: `<p>text ${id}</p>`, client_msg_id: null, created_at: new Date(T0 + minutes * 60_000).toISOString(),
    deleted: false, edited_at: null, files: [], last_reply_at: null, mentions_channel: false, pinned: false, props: null, reactions: [],
    reply_count: 0, thread_root_id: null, ...fields,
  };
}

const general: Channel = {
  id: 1, name: 'general', kind: 'public', archived: false, broadcast: false, is_default: true, created_at: '2025-01-31T09:00:00Z',
  created_by: 1, last_message_id: 4, purpose: 'Everything', topic: '', workspace_id: 10, unread_count: 0, mention_count: 0,
};

/** Channel 1, opened with `lastRead` as its read position (0: nothing unread), holds `messages`,
 *  all loaded. Made through the store's mutations, as the app makes it. */
function given(messages: Message[], lastRead = 0) {
  store.enterWorkspace(10);
  store.workspaceLoaded([{ ...general, last_read_id: lastRead, unread_count: lastRead ? 1 : 0 }], [], {}, true);
  const history = store.channelOpened(1);
  if (history) store.historyPageLoaded(history, messages, false);
  store.setConnected(true);
}

const articles = () => [...document.querySelectorAll<HTMLElement>('#messages [data-testid="message"]')];

afterEach(cleanup);

describe('MessageList', () => {
  beforeEach(() => {
    given([message(1, 2, 0), message(2, 2, 1), message(3, 2, 2), message(4, 2, 30)], 1);
  });

  it('shows the channel’s start, a day divider, the New divider and compact runs', () => {
    render(<MessageList />);
    expect(screen.getByTestId('history-start').textContent).toContain('This is the very beginning of #general. Everything');
    const list = document.getElementById('messages');
    const kinds = [...(list?.children ?? [])].map((el) => el.className);
    expect(kinds).toEqual(['history-edge', 'day-divider', 'message', 'new-divider', 'message', 'message compact', 'message']);
    expect(screen.getByRole('separator', { name: 'New messages' }).textContent).toBe('New');
  });

  it('tags a bot’s messages, and no one else’s', () => {
    const bot = { id: 9, display_name: 'Build Bot', username: 'build-bot', is_bot: true };
    given([message(1, 2, 0), message(2, 9, 1, { author: bot })]);
    render(<MessageList />);
    const [person, robot] = articles();
    expect(person?.querySelector('[data-testid="bot-tag"]')).toBeNull();
    expect(robot?.querySelector('.message-meta [data-testid="bot-tag"]')?.textContent).toBe('bot');
  });

  it('shows a webhook post under its display override and icon, with the BOT tag and its cards', () => {
    const hook = { id: 9, display_name: 'Alerts', username: 'alerts-bot', is_bot: true };
    const card = '<div class="cards"><article class="card card-danger"><p class="card-title">Build 42</p></article></div>';
    given([
      message(1, 9, 0, { author: hook, html: `<p>red</p>${card}`,
        props: { format: 'slack', username: 'CI', icon_url: 'https://example.test/ci.png',
          icon_proxy_url: '/api/v1/images/c2ln/aHR0cHM6Ly9leGFtcGxlLnRlc3QvY2kucG5n', webhook_id: 3 } }),
      message(2, 9, 1, { author: hook, props: { format: 'slack', webhook_id: 3 } }),
    ]);
    render(<MessageList />);
    const [renamed, plain] = articles();
    expect(renamed?.querySelector('[data-testid="author"]')?.textContent).toBe('CI');
    expect(renamed?.querySelector('[data-testid="author"]')?.getAttribute('title')).toBe('posted by Alerts (@alerts-bot)');
    // The icon comes through the image proxy (the page's CSP is img-src 'self'), never from its own site.
    expect(renamed?.querySelector('.avatar img.avatar-icon')?.getAttribute('src'))
      .toBe('/api/v1/images/c2ln/aHR0cHM6Ly9leGFtcGxlLnRlc3QvY2kucG5n');
    expect(renamed?.querySelector('.message-body article.card .card-title')?.textContent).toBe('Build 42');
    expect(renamed?.querySelector('[data-testid="bot-tag"]')).not.toBeNull();
    // The same bot under its own name is not grouped with the override.
    expect(plain?.className).toBe('message');
    expect(plain?.querySelector('[data-testid="author"]')?.textContent).toBe('Alerts');
    expect(plain?.querySelector('.avatar img')).toBeNull();
  });

  it('puts the server’s message html in, and marks mentions of me', () => {
    given([message(1, 2, 0, { html: '<p>hi <span class="mention" data-user-id="1">@ada</span></p>' })]);
    render(<MessageList />);
    const mention = document.querySelector<HTMLElement>('.message-body .mention');
    expect(mention?.dataset.me).toBe('');
  });

  it('keeps unchanged messages’ elements across re-renders and rebuilds only a changed one', () => {
    const { rerender } = render(<MessageList />);
    const [first, second] = articles();
    const firstBody = first?.querySelector('.message-body');
    // Another message arrives, and message 2 is edited (events replace its payload).
    store.upsertMessage(message(5, 2, 31));
    store.upsertMessage(message(2, 2, 1, { body: 'changed', html: '<p>changed</p>', edited_at: new Date(T0).toISOString() }));
    rerender(<MessageList />);
    const after = articles();
    expect(after).toHaveLength(5);
    expect(after[0]).toBe(first);
    expect(after[0]?.querySelector('.message-body')).toBe(firstBody);
    expect(after[1]).toBe(second);
    expect(after[1]?.querySelector('.message-body')?.textContent).toBe('changed');
    expect(after[1]?.querySelector('[data-testid="edited"]')).not.toBeNull();
  });

  it('shows the edit form, with its draft, for the message being edited', () => {
    given([message(1, 1, 0)]);
    store.startEditing(message(1, 1, 0));
    store.setEditDraft('half typed');
    render(<MessageList />);
    const box = screen.getByRole('textbox', { name: 'Edit message' }) as HTMLTextAreaElement;
    expect(box.value).toBe('half typed');
    expect(document.querySelector('.message-actions')).toBeNull();
  });

  it('asks to pick a conversation when none is open', () => {
    store.enterWorkspace(10);
    render(<MessageList />);
    expect(document.querySelector('#messages .empty')?.textContent).toBe('Pick a conversation.');
  });
});

describe('typingText', () => {
  it('names up to two people', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Bob'])).toBe('Bob is typing…');
    expect(typingText(['Bob', 'Cy'])).toBe('Bob and Cy are typing…');
    expect(typingText(['Bob', 'Cy', 'Di'])).toBe('Several people are typing…');
  });
});
