// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// The chat client's entry point. Loading order matters for "no lost messages":
//   1. read the event cursor (GET /events/head),
//   2. load workspaces, channels and history (everything committed up to the cursor is in it),
//   3. connect the socket and `sync` from the cursor, so whatever happened during step 2 is
//      replayed; handlers are idempotent, so overlap is harmless.

import * as actions from './actions';
import { api } from './api';
import { applyEnvelope, applyEphemeral, connectionChanged, synced } from './events';
import { setDeliveredHandler } from './outbox';
import { startRealtime } from './realtime';
import { invalidate, register } from './render';
import { state } from './state';
import { reportError } from './toast';
import { renderMessages, renderTyping } from './views/messages';
import { renderPanel } from './views/panel';
import { startPresencePolling } from './views/people';
import { buildShell, renderBanner, renderComposer, renderHeader, renderSidebar, renderWorkspaces } from './views/shell';

function requestedPlace() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const num = (v) => (v && /^\d+$/.test(v) ? Number(v) : null);
  return { workspaceId: num(hash.get('w')) ?? num(query.get('workspace')), channelId: num(hash.get('c')) };
}

function wireGlobalKeys() {
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('dialog[open]')) return;
    if (state.editing) {
      actions.cancelEditing();
    } else if (state.sidebarOpen) {
      actions.setSidebar(false);
      document.querySelector('.menu-toggle')?.focus();
    } else if (state.panel) {
      actions.closePanel();
      document.querySelector('#composer textarea')?.focus();
    }
  });
}

function wireVisibility() {
  const seen = () => {
    actions.announcePresence();
    actions.maybeMarkRead();
  };
  document.addEventListener('visibilitychange', seen);
  window.addEventListener('focus', seen);
}

/** The event log no longer reaches our cursor: load everything anew; resume from the new head. */
async function reloadState() {
  const { workspaceId, channelId } = state;
  const { cursor } = await api.get('/events/head');
  await actions.refreshWorkspaces();
  if (workspaceId) await actions.switchWorkspace(workspaceId, channelId);
  return cursor;
}

async function boot() {
  buildShell(document.getElementById('app'));
  register('banner', renderBanner);
  register('workspaces', renderWorkspaces);
  register('sidebar', renderSidebar);
  register('header', renderHeader);
  register('messages', renderMessages);
  register('composer', renderComposer);
  register('typing', renderTyping);
  register('panel', renderPanel);
  invalidate('banner', 'workspaces', 'sidebar', 'header', 'messages', 'composer', 'panel');
  wireGlobalKeys();
  wireVisibility();
  setDeliveredHandler((message) => actions.upsertMessage(message, { onlyIfMissing: true }));

  const { cursor } = await api.get('/events/head');
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
    follows: (channelId, workspaceId) => workspaceId === state.workspaceId && state.channels.has(channelId),
  });
  startPresencePolling();
  document.querySelector('#composer textarea')?.focus();
  document.body.dataset.ready = 'true';
}

boot().catch(reportError);
