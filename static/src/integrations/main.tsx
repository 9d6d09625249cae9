// The Integrations page's entry (templates/integrations.html, served at /w/<id>/integrations to
// those who may make incoming webhooks there). The page tells who is signed in and the workspace
// (with their role); each section loads what it shows when it opens.

import { render } from 'preact';
import type { Me, Workspace } from '../api/types';
import { sectionFromHash, visibleSections } from './model';
import { SECTIONS } from './sections';
import { state } from './state';
import * as store from './store';
import { Page } from './views/page';

function showHashSection(): void {
  const section = sectionFromHash(location.hash, visibleSections(SECTIONS, state.workspace.role));
  if (section) store.showSection(section.id);
}

function boot(): void {
  const root = document.getElementById('integrations');
  if (!root) throw new Error('the page has no #integrations');
  store.start(JSON.parse(root.dataset.me ?? '{}') as Me, JSON.parse(root.dataset.workspace ?? '{}') as Workspace);
  showHashSection();
  window.addEventListener('hashchange', showHashSection);
  render(<Page />, root);
  document.body.dataset.ready = 'true';
}

boot();
