// The chat client's entry point. Loading order matters for "no lost messages":
//   1. read the event cursor (GET /events/head),
//   2. load workspaces, channels and history (everything committed up to the cursor is in it),
//   3. connect the socket and `sync` from the cursor, so whatever happened during step 2 is
//      replayed; handlers are idempotent, so overlap is harmless.

import type { Message } from '../api/types';
import { api } from '../shared/api';
import { reportError } from '../shared/toast';
import * as actions from './actions';
import { applyEnvelope, applyEphemeral, connectionChanged, synced } from './events';
import { setDeliveredHandler } from './outbox';
import { startRealtime } from './realtime';
import { invalidate } from './render';
import { state } from './state';
import { startPresencePolling } from './views/people';
import { mountApp } from './views/shell';

function requestedPlace(): { workspaceId: number | null; channelId: number | null } {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const num = (v: string | null): number | null => (v && /^\d+$/.test(v) ? Number(v) : null);
  return { workspaceId: num(hash.get('w')) ?? num(query.get('workspace')), channelId: num(hash.get('c')) };
}

function wireGlobalKeys(): void {
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('dialog[open]')) return;
    if (state.editing) {
      actions.cancelEditing();
    } else if (state.sidebarOpen) {
      actions.setSidebar(false);
      document.querySelector<HTMLElement>('.menu-toggle')?.focus();
    } else if (state.panel) {
      actions.closePanel();
      document.querySelector<HTMLElement>('#composer textarea')?.focus();
    }
  });
}

function wireVisibility(): void {
  const seen = () => {
    actions.announcePresence();
    actions.maybeMarkRead();
  };
  document.addEventListener('visibilitychange', seen);
  window.addEventListener('focus', seen);
}

/** The event log no longer reaches our cursor: load everything anew; resume from the new head. */
async function reloadState(): Promise<number> {
  const { workspaceId, channelId } = state;
  const { cursor }: { cursor: number } = await api.get('/events/head');
  await actions.refreshWorkspaces();
  if (workspaceId) await actions.switchWorkspace(workspaceId, channelId);
  return cursor;
}

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) throw new Error('the page has no #app');
  mountApp(root);
  invalidate('banner', 'workspaces', 'sidebar', 'header', 'messages', 'composer', 'panel');
  wireGlobalKeys();
  wireVisibility();
  setDeliveredHandler((message: Message) => actions.upsertMessage(message, { onlyIfMissing: true }));

  const { cursor }: { cursor: number } = await api.get('/events/head');
  await actions.refreshWorkspaces();
  const wanted = requestedPlace();
  const workspaceId = actions.initialWorkspaceId(wanted.workspaceId);
  if (workspaceId) await actions.switchWorkspace(workspaceId, wanted.channelId);
  startRealtime(cursor, {
    envelope: applyEnvelope,
    ephemeral: applyEphemeral,
    connected: connectionChanged,
    disconnected: () => {},
    synced,
    expired: reloadState,
    follows: (channelId: number | null, workspaceId: number) => workspaceId === state.workspaceId && channelId !== null && state.channels.has(channelId),
  });
  startPresencePolling();
  document.querySelector<HTMLElement>('#composer textarea')?.focus();
  document.body.dataset.ready = 'true';
}

boot().catch(reportError);
