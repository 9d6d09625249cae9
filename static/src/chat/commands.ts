// Slash commands in the composer: what the typed text is (a command to run, or text to send) and
// which commands to suggest while a name is being typed. Pure: the composer (views/composer.tsx)
// and actions.ts use these, the unit tests check them (tests/client/commands.test.ts).

import type { CommandInfo, EphemeralMessage, Message } from '../api/types';

/** A command's name as the server takes it: a slash, then 1 to 32 letters, digits, - or _. */
const NAME = /^\/[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** The first word of what was typed, and the rest after the whitespace that follows it. */
const FIRST_WORD = /^(\S+)(?:\s+([\s\S]*))?$/;

export type Typed =
  | { kind: 'command'; command: string; text: string }
  | { kind: 'text'; body: string };

/**
 * What the composer's text means, as Slack and Mattermost read it:
 * - `/name args` runs the command `/name` with `args` (an unknown name is the server's to refuse,
 *   with Slack's "is not a valid command" note);
 * - `//text` sends `/text` as a message (the escape for text that starts with a slash);
 * - a first word holding another slash (`/usr/bin is full`) is a path, sent as text;
 * - anything else, and text that starts with a space, is a message.
 */
export function parseTyped(raw: string): Typed {
  if (raw.startsWith('//')) return { kind: 'text', body: raw.slice(1) };
  if (!raw.startsWith('/')) return { kind: 'text', body: raw };
  const match = FIRST_WORD.exec(raw.trimEnd());
  const word = match?.[1] ?? raw;
  if (word.slice(1).includes('/') || !NAME.test(word)) return { kind: 'text', body: raw };
  return { kind: 'command', command: word.toLowerCase(), text: (match?.[2] ?? '').trim() };
}

/** The partial command name being typed (`/dep` while typing `/deploy`), or null when the
 *  composer is not in the middle of a command's name: suggestions show only then. */
export function typedName(raw: string): string | null {
  if (!raw.startsWith('/') || raw.startsWith('//') || /\s/.test(raw)) return null;
  return raw.toLowerCase();
}

export const MAX_SUGGESTIONS = 8;

/** The commands to suggest for a partial name: names starting with it first (alphabetically),
 *  then those containing it elsewhere; at most MAX_SUGGESTIONS. */
export function suggest(commands: readonly CommandInfo[], partial: string): CommandInfo[] {
  const wanted = partial.toLowerCase().replace(/^\//, '');
  const byName = [...commands].sort((a, b) => a.name.localeCompare(b.name));
  const starts = byName.filter((c) => c.name.slice(1).startsWith(wanted));
  const inside = wanted ? byName.filter((c) => !c.name.slice(1).startsWith(wanted) && c.name.includes(wanted)) : [];
  return [...starts, ...inside].slice(0, MAX_SUGGESTIONS);
}

/** The suggestion highlighted after a key: ArrowDown and ArrowUp move through the list and
 *  wrap around. */
export function moveSelection(selected: number, count: number, key: 'ArrowDown' | 'ArrowUp'): number {
  if (count <= 0) return 0;
  return key === 'ArrowDown' ? (selected + 1) % count : (selected - 1 + count) % count;
}

/** Ephemeral messages placed among the listed items by time: each goes after every item
 *  created at or before it. `at` says when an item was created. */
export function interleave<T>(items: readonly T[], ephemeral: readonly EphemeralMessage[],
  at: (item: T) => string | null): (T | EphemeralMessage)[] {
  const out: (T | EphemeralMessage)[] = [];
  const pending = [...ephemeral].sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const item of items) {
    const when = at(item);
    while (when !== null && pending.length && (pending[0]?.created_at ?? '') < when) {
      const next = pending.shift();
      if (next) out.push(next);
    }
    out.push(item);
  }
  return [...out, ...pending];
}

export const isEphemeral = (item: unknown): item is EphemeralMessage =>
  typeof item === 'object' && item !== null && (item as { ephemeral?: unknown }).ephemeral === true;

/** A stored message's creation time, for `interleave`. */
export const createdAt = (message: Pick<Message, 'created_at'>): string => message.created_at;
