import './page';
import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel, Message } from '../../../static/src/api/types';
import { newStore, state } from '../../../static/src/chat/state';
import { MessageList, typingText } from '../../../static/src/chat/views/messages';

const T0 = new Date(2025, 0, 31, 9, 0, 0).getTime();

function message(id: number, authorId: number, minutes: number, fields: Partial<Message> = {}): Message {
  return {
    id, channel_id: 1, workspace_id: 10, author: { id: authorId, display_name: authorId === 1 ? 'Ada Lovelace' : 'Bob', username: `u${authorId}` },
    body: `text ${id}`, html: `<p>text ${id}</p>`, client_msg_id: null, created_at: new Date(T0 + minutes * 60_000).toISOString(),
    deleted: false, edited_at: null, files: [], last_reply_at: null, mentions_channel: false, pinned: false, reactions: [],
    reply_count: 0, thread_root_id: null, ...fields,
  };
}

const general: Channel = {
  id: 1, name: 'general', kind: 'public', archived: false, broadcast: false, is_default: true, created_at: '2025-01-31T09:00:00Z',
  created_by: 1, last_message_id: 4, purpose: 'Everything', topic: '', workspace_id: 10, unread_count: 0, mention_count: 0,
};

/** Channel 1 holds `messages`, all loaded; readMarker as openChannel sets it. */
function given(messages: Message[], readMarker: number | null = null) {
  state.workspaceId = 10;
  state.channels = new Map([[1, general]]);
  state.channelId = 1;
  const store = Object.assign(newStore(), { loaded: true, hasMore: false, readMarker });
  for (const m of messages) store.messages.set(m.id, m);
  state.stores = new Map([[1, store]]);
  state.editing = null;
  state.connected = true;
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
    const store = state.stores.get(1);
    store?.messages.set(5, message(5, 2, 31));
    store?.messages.set(2, message(2, 2, 1, { body: 'changed', html: '<p>changed</p>', edited_at: new Date(T0).toISOString() }));
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
    state.editing = { id: 1, draft: 'half typed' };
    render(<MessageList />);
    const box = screen.getByRole('textbox', { name: 'Edit message' }) as HTMLTextAreaElement;
    expect(box.value).toBe('half typed');
    expect(document.querySelector('.message-actions')).toBeNull();
  });

  it('asks to pick a conversation when none is open', () => {
    state.channelId = null;
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
