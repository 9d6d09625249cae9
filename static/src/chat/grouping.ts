// How a channel's messages are laid out: a divider before each new day, a "New" divider before
// the first message from someone else after the read position, and consecutive messages by one
// author within GROUP_MS shown compact (no avatar or name). Pure: the views render the result.

export const GROUP_MS = 5 * 60 * 1000;

/** What grouping needs of a message (the server's Message payload has all of it). */
export interface Groupable {
  id: number;
  created_at: string;
  deleted: boolean;
  author: { id: number };
  /** An integration's display override: one bot posting under two names is two people to the eye. */
  props?: { username?: string } | null;
}

export type ListItem<M extends Groupable> =
  | { kind: 'day'; key: string; date: Date }
  | { kind: 'new'; key: 'new' }
  | { kind: 'message'; key: string; message: M; compact: boolean };

/** messages: sorted by id. readMarker: the read position when the channel was opened (null:
 *  nothing new). meId: whose messages never count as new. */
export function groupMessages<M extends Groupable>(messages: readonly M[], readMarker: number | null | undefined,
  meId: number): ListItem<M>[] {
  const items: ListItem<M>[] = [];
  let previous: M | null = null;
  let dividerDone = false;
  for (const message of messages) {
    const date = new Date(message.created_at);
    let divided = false;
    if (!previous || new Date(previous.created_at).toDateString() !== date.toDateString()) {
      items.push({ kind: 'day', key: `day-${date.toDateString()}`, date });
      divided = true;
    }
    if (!dividerDone && readMarker != null && message.id > readMarker && message.author.id !== meId) {
      items.push({ kind: 'new', key: 'new' });
      dividerDone = true;
      divided = true;
    }
    const compact = previous !== null && !divided && previous.author.id === message.author.id
      && previous.props?.username === message.props?.username
      && !previous.deleted && !message.deleted
      && date.getTime() - new Date(previous.created_at).getTime() < GROUP_MS;
    items.push({ kind: 'message', key: `m-${message.id}`, message, compact });
    previous = message;
  }
  return items;
}
