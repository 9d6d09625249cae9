// Slash commands in the client: what the composer's text means (a command or a message), which
// commands it suggests and how the keys move through them, where ephemeral messages go in a
// list, and the store's rules for them and for muted channels.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommandInfo, EphemeralMessage } from '../../static/src/api/types';
import { interleave, isEphemeral, MAX_SUGGESTIONS, moveSelection, parseTyped, suggest, typedName } from '../../static/src/chat/commands';
import { badgeCounts, ephemeralIn, mentionsMe, state, workspaceTotals } from '../../static/src/chat/state';
import * as store from '../../static/src/chat/store';
import { channel, message, WORKSPACE } from './fixtures';

const info = (name: string, description = '', builtin = true): CommandInfo => ({ name, description, usage_hint: '', builtin });
const COMMANDS = [info('/me'), info('/shrug'), info('/topic'), info('/invite'), info('/leave'), info('/mute'),
  info('/help'), info('/deploy', 'Ship it', false), info('/redeploy', 'Again', false)];

function ephemeral(id: string, fields: Partial<EphemeralMessage> = {}): EphemeralMessage {
  return {
    id, ephemeral: true, workspace_id: WORKSPACE, channel_id: 100, thread_root_id: null, author: null, body: id,
    html: `<p>${id}</p>`, props: null, created_at: '2025-01-01T10:00:00.000Z', ts: '1735725600.000000', ...fields,
  };
}

describe('what the composer text means', () => {
  it('runs /name with the rest as its text', () => {
    expect(parseTyped('/deploy prod  now')).toEqual({ kind: 'command', command: '/deploy', text: 'prod  now' });
    expect(parseTyped('/Deploy')).toEqual({ kind: 'command', command: '/deploy', text: '' });
    expect(parseTyped('/me waves\nand smiles ')).toEqual({ kind: 'command', command: '/me', text: 'waves\nand smiles' });
    // An unknown name is still a command: the server answers "not a valid command", as Slack does.
    expect(parseTyped('/xyz')).toEqual({ kind: 'command', command: '/xyz', text: '' });
  });

  it('sends //text as /text, and leading spaces or paths as text', () => {
    expect(parseTyped('//shrug is a command')).toEqual({ kind: 'text', body: '/shrug is a command' });
    expect(parseTyped(' /deploy')).toEqual({ kind: 'text', body: ' /deploy' });
    expect(parseTyped('/usr/bin is full')).toEqual({ kind: 'text', body: '/usr/bin is full' });
    expect(parseTyped('/')).toEqual({ kind: 'text', body: '/' });
    expect(parseTyped('/é')).toEqual({ kind: 'text', body: '/é' });
    expect(parseTyped(`/${'x'.repeat(33)}`).kind).toBe('text');
    expect(parseTyped('hello /me')).toEqual({ kind: 'text', body: 'hello /me' });
  });

  it('suggests only while the name itself is typed', () => {
    expect(typedName('/')).toBe('/');
    expect(typedName('/De')).toBe('/de');
    expect(typedName('/deploy ')).toBeNull();
    expect(typedName('//')).toBeNull();
    expect(typedName('hi')).toBeNull();
    expect(typedName('')).toBeNull();
  });
});

describe('suggestions', () => {
  it('lists every command for a bare slash, by name, at most a screenful', () => {
    const all = suggest(COMMANDS, '/');
    expect(all.map((c) => c.name)).toEqual([...COMMANDS].map((c) => c.name).sort().slice(0, MAX_SUGGESTIONS));
    expect(all.length).toBe(MAX_SUGGESTIONS);
  });

  it('puts names starting with what was typed first, then names containing it', () => {
    expect(suggest(COMMANDS, '/dep').map((c) => c.name)).toEqual(['/deploy', '/redeploy']);
    expect(suggest(COMMANDS, '/DEP').map((c) => c.name)).toEqual(['/deploy', '/redeploy']);
    expect(suggest(COMMANDS, '/m').map((c) => c.name)).toEqual(['/me', '/mute']);
    expect(suggest(COMMANDS, '/o').map((c) => c.name)).toEqual(['/deploy', '/redeploy', '/topic']);
    expect(suggest(COMMANDS, '/zz')).toEqual([]);
    expect(suggest([], '/')).toEqual([]);
  });

  it('arrow keys move through the list and wrap around', () => {
    expect(moveSelection(0, 3, 'ArrowDown')).toBe(1);
    expect(moveSelection(2, 3, 'ArrowDown')).toBe(0);
    expect(moveSelection(0, 3, 'ArrowUp')).toBe(2);
    expect(moveSelection(0, 0, 'ArrowUp')).toBe(0);
  });
});

describe('ephemeral messages in a list', () => {
  it('go after everything created at or before them', () => {
    const a = message(1, { created_at: '2025-01-01T09:00:00.000Z' });
    const b = message(2, { created_at: '2025-01-01T11:00:00.000Z' });
    const early = ephemeral('e1', { created_at: '2025-01-01T08:00:00.000Z' });
    const middle = ephemeral('e2');
    const late = ephemeral('e3', { created_at: '2025-01-01T12:00:00.000Z' });
    const items = interleave([a, b], [late, middle, early], (m) => m.created_at);
    expect(items.map((i) => (isEphemeral(i) ? i.id : i.id))).toEqual(['e1', 1, 'e2', 2, 'e3']);
    // Items without a time (dividers) never have one placed before them.
    const divided = interleave(['day', a], [early], (i) => (typeof i === 'string' ? null : i.created_at));
    expect(divided.map((i) => (typeof i === 'string' ? i : isEphemeral(i) ? i.id : i.id))).toEqual(['day', 'e1', 1]);
  });
});

describe('the store', () => {
  beforeEach(() => {
    store.clearWorkspace();
    store.enterWorkspace(WORKSPACE);
    store.workspaceLoaded([channel(100), channel(200, { unread_count: 4, mention_count: 1 })], [], {}, true);
  });

  it('shows an ephemeral message once, in its conversation and thread, until dismissed', () => {
    store.ephemeralShown(ephemeral('e1'));
    store.ephemeralShown(ephemeral('e1'));
    store.ephemeralShown(ephemeral('e2', { thread_root_id: 7 }));
    store.ephemeralShown(ephemeral('e3', { channel_id: 999 })); // not a conversation of mine
    store.ephemeralShown(ephemeral('e4', { workspace_id: WORKSPACE + 1 })); // another workspace's
    expect(ephemeralIn(100).map((e) => e.id)).toEqual(['e1']);
    expect(ephemeralIn(100, 7).map((e) => e.id)).toEqual(['e2']);
    expect(state.ephemeral.has(999)).toBe(false);
    store.ephemeralDismissed(100, 'e1');
    expect(ephemeralIn(100)).toEqual([]);
    store.clearWorkspace();
    expect(state.ephemeral.size).toBe(0);
  });

  it('keeps the workspace commands it loaded, for that workspace only', () => {
    store.commandsLoaded(WORKSPACE + 1, COMMANDS);
    expect(state.commands).toBeNull();
    store.commandsLoaded(WORKSPACE, COMMANDS);
    expect(state.commands).toEqual(COMMANDS);
  });

  it('a muted channel counts its mentions only, and survives a channel update', () => {
    expect(badgeCounts(state.channels.get(200) ?? channel(0))).toEqual({ unread: 4, mentions: 1 });
    store.channelMuted(200, true);
    expect(badgeCounts(state.channels.get(200) ?? channel(0))).toEqual({ unread: 0, mentions: 1 });
    expect(workspaceTotals()).toEqual({ unread: 0, mentions: 1 });
    store.mergeChannel(channel(200, { topic: 'renamed elsewhere', unread_count: undefined }));
    expect(state.channels.get(200)?.muted).toBe(true);
    store.channelMuted(200, false);
    expect(workspaceTotals()).toEqual({ unread: 4, mentions: 1 });
  });

  it('a muted direct conversation speaks to me only when it names me', () => {
    const dm = channel(300, { kind: 'dm', name: null, muted: true });
    const plain = message(9, { author: { id: 2, username: 'two', display_name: 'Two', is_bot: false } });
    expect(mentionsMe(plain, dm)).toBe(false);
    expect(mentionsMe(plain, { ...dm, muted: false })).toBe(true);
    expect(mentionsMe({ ...plain, mentions_channel: true }, dm)).toBe(true);
  });
});
