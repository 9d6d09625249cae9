// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Shared files: the card shown in a message and in the files panel, the in-page viewer (a PDF
// in the browser's own viewer, an image full size), and the files panel with its filters and
// search. File names and snippets are people's text: they only ever go in as text nodes.

import * as actions from '../actions';
import { formatFull, formatTime, h, plural, reconcile } from '../dom';
import { icon } from '../icons';
import { isAdmin, isDirect, state } from '../state';
import { formatSize } from '../uploads';
import { openDialog } from './dialogs';

const KIND_ICON = { pdf: 'file-text', image: 'image', other: 'file' };

export function typeLabel(file) {
  if (file.kind === 'pdf') return 'PDF';
  if (file.kind === 'image') return (file.content_type.split('/')[1] ?? 'image').toUpperCase();
  return file.content_type === 'text/plain' ? 'Text' : 'File';
}

const viewable = (file) => file.kind === 'pdf' || file.kind === 'image';

/** One file as a card: preview (thumbnail, placeholder or icon), name, type, size, uploader. */
export function fileCard(file) {
  const state_ = file.preview?.state ?? 'none';
  const thumb = state_ === 'ready' && file.preview.thumbnail_url;
  let preview: any;
  if (thumb) {
    preview = h('img', { class: 'file-thumb', src: file.preview.thumbnail_url, alt: '', loading: 'lazy',
      'data-testid': 'file-thumbnail', width: file.kind === 'image' ? file.preview.width : null,
      height: file.kind === 'image' ? file.preview.height : null });
  } else if (state_ === 'pending') {
    preview = h('span', { class: 'file-placeholder pending', 'data-testid': 'file-preview-pending' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, 'Preparing preview…'));
  } else {
    preview = h('span', { class: 'file-placeholder', 'aria-hidden': 'true' }, icon(KIND_ICON[file.kind] ?? 'file', 'file-icon'),
      state_ === 'failed' ? h('span', { class: 'muted' }, 'No preview') : null);
  }
  const details = [typeLabel(file)];
  if (file.kind === 'pdf' && file.preview?.page_count) details.push(plural(file.preview.page_count, 'page'));
  details.push(formatSize(file.size));
  const canDelete = file.uploader.id === state.me.id || isAdmin();
  return h('div', {
    class: `file-card kind-${file.kind} preview-${state_}`, 'data-testid': 'file-card',
    'data-file-id': file.id, 'data-preview-state': state_,
  },
  viewable(file)
    ? h('button', { type: 'button', class: 'file-preview', 'aria-label': `Open ${file.name}`, title: `Open ${file.name}`,
      onclick: () => openViewer(file) }, preview)
    : h('span', { class: 'file-preview' }, preview),
  h('div', { class: 'file-info' },
    viewable(file)
      ? h('button', { type: 'button', class: 'link file-name', 'data-testid': 'file-name', onclick: () => openViewer(file) }, file.name)
      : h('span', { class: 'file-name', 'data-testid': 'file-name' }, file.name),
    h('span', { class: 'file-meta muted' },
      details.map((d, i) => [i ? ' · ' : null, h('span', { 'data-testid': /^\d+ pages?$/.test(d) ? 'page-count' : null }, d)]),
      ` · ${file.uploader.display_name}`)),
  h('div', { class: 'file-actions' },
    h('a', { class: 'icon-link', href: file.download_url, download: file.name, 'aria-label': `Download ${file.name}`, title: 'Download' }, icon('download')),
    canDelete ? h('button', { type: 'button', class: 'icon', 'aria-label': `Delete ${file.name}`, title: 'Delete file',
      onclick: () => { if (window.confirm(`Delete ${file.name} for everyone?`)) actions.deleteFile(file); } }, icon('trash')) : null));
}

export function fileList(files) {
  if (!files?.length) return null;
  return h('div', { class: 'file-list', role: 'list', 'aria-label': plural(files.length, 'file') },
    files.map((f) => h('div', { role: 'listitem' }, fileCard(f))));
}

/** The in-page viewer: a PDF in the browser's viewer (our CSP allows framing our own origin;
 *  the file answers with frame-ancestors 'self'), an image at full size. Escape closes it. */
export function openViewer(file) {
  const content = file.kind === 'pdf'
    ? h('iframe', { class: 'pdf-frame', src: file.url, title: file.name, 'data-testid': 'pdf-frame' })
    : h('img', { class: 'lightbox-image', src: file.url, alt: file.name, 'data-testid': 'lightbox-image' });
  openDialog(file.name, h('div', { class: 'viewer' }, content,
    h('p', { class: 'viewer-foot muted' },
      `${typeLabel(file)} · ${formatSize(file.size)} · ${file.uploader.display_name} · ${formatFull(new Date(file.created_at))} `,
      h('a', { href: file.download_url, download: file.name }, 'Download'),
      ' · ',
      h('a', { href: file.url, target: '_blank', rel: 'noopener' }, 'Open in a new tab'))),
  { testid: file.kind === 'pdf' ? 'pdf-viewer' : 'image-viewer', wide: true });
}

// --- the files panel ------------------------------------------------------------------------------

/** Text with every case-insensitive occurrence of `q` in a <mark>, as text nodes. */
function marked(text, q) {
  if (!q) return [text];
  const out = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
    out.push(text.slice(at, i), h('mark', {}, text.slice(i, i + q.length)));
    at = i + q.length;
  }
  out.push(text.slice(at));
  return out;
}

function placeName(channelId) {
  const channel = state.channels.get(channelId);
  if (!channel) return 'a conversation';
  return isDirect(channel) ? 'a direct conversation' : `#${channel.name}`;
}

function buildControls(panel) {
  const search = h('input', { type: 'search', name: 'q', 'aria-label': 'Search files', placeholder: 'Search names and text in PDFs',
    value: panel.query, 'data-testid': 'files-search' });
  search.addEventListener('search', () => { if (!search.value) actions.searchFiles(''); });
  const select = (label, value, options, onchange, testid) => {
    const el = h('select', { 'aria-label': label, 'data-testid': testid, onchange: () => onchange(el.value) },
      options.map(([v, text]) => h('option', { value: v }, text)));
    el.value = String(value);
    return el;
  };
  const people = [...state.members.values()].sort((a, b) => a.display_name.localeCompare(b.display_name));
  return h('div', { class: 'files-controls' },
    h('form', { class: 'files-search', role: 'search', onsubmit: (e) => { e.preventDefault(); actions.searchFiles(search.value); } },
      search, h('button', { type: 'submit', class: 'secondary' }, 'Search')),
    h('div', { class: 'files-filters' },
      select('Where', panel.scope, [['channel', 'This conversation'], ['workspace', 'Whole workspace']],
        (scope) => actions.setFilesFilter({ scope }), 'files-scope'),
      select('Type', panel.fileKind, [['', 'All types'], ['pdf', 'PDFs'], ['image', 'Images'], ['other', 'Other files']],
        (fileKind) => actions.setFilesFilter({ fileKind }), 'files-kind'),
      select('Shared by', panel.userId, [['', 'Anyone'], ...people.map((m) => [String(m.id), m.id === state.me.id ? `${m.display_name} (you)` : m.display_name])],
        (userId) => actions.setFilesFilter({ userId: userId ? Number(userId) : '' }), 'files-person')));
}

const panelItems = new WeakMap(); // file payload -> its list item, so re-renders keep nodes (and focus)

function fileItem(file) {
  let node = panelItems.get(file);
  if (!node) {
    node = h('li', { class: 'file-item', 'data-testid': 'file-item' },
      fileCard(file),
      h('div', { class: 'file-where muted' },
        h('time', { datetime: file.created_at, title: formatFull(new Date(file.created_at)) },
          `${new Date(file.created_at).toLocaleDateString()} ${formatTime(new Date(file.created_at))}`),
        ` in ${placeName(file.channel_id)} `,
        file.message_id ? h('button', { type: 'button', class: 'link', 'aria-label': `Show the message that shared ${file.name}`,
          onclick: () => actions.showMessageById(file.message_id) },
        'Show message') : null));
    panelItems.set(file, node);
  }
  return node;
}

function resultItem(result, q) {
  return h('li', { class: 'file-item', 'data-testid': 'file-result' },
    fileCard(result.file),
    result.snippet ? h('p', { class: 'snippet', 'data-testid': 'file-snippet' }, '…', marked(result.snippet, q), '…') : null,
    h('div', { class: 'file-where muted' },
      `${result.message.author.display_name} in ${placeName(result.message.channel_id)} `,
      h('button', { type: 'button', class: 'link', 'aria-label': `Show the message that shared ${result.file.name}`,
        onclick: () => actions.showMessage(result.message) }, 'Show message')));
}

/** Returns the panel parts below the header: the controls (kept while the panel is open) and the body. */
export function renderFiles(panel, body) {
  panel.controls ??= buildControls(panel);
  body.setAttribute('data-testid', 'files-panel');
  let nodes: any;
  if (panel.query) {
    const q = panel.query;
    if (panel.searching || !panel.results) nodes = [h('p', { class: 'muted pad' }, 'Searching…')];
    else if (!panel.results.length) nodes = [h('p', { class: 'muted pad', 'data-testid': 'files-empty' }, `No files match “${q}”.`)];
    else {
      nodes = [h('p', { class: 'muted pad', role: 'status' }, plural(panel.results.length, 'file'), ' found in the workspace'),
        h('ul', { class: 'file-items' }, panel.results.map((r) => resultItem(r, q)))];
    }
  } else if (!panel.list) {
    nodes = [h('p', { class: 'muted pad' }, 'Loading…')];
  } else if (!panel.list.length) {
    nodes = [h('p', { class: 'muted pad', 'data-testid': 'files-empty' },
      panel.fileKind || panel.userId ? 'No files match these filters.' : 'No files shared yet. Drop one on the conversation or use the Attach files button.')];
  } else {
    let list = body.querySelector(':scope > ul.file-items');
    list ??= h('ul', { class: 'file-items' });
    reconcile(list, panel.list.map(fileItem));
    nodes = [list];
    if (panel.hasMore) {
      let more = body.querySelector(':scope > .load-more');
      more ??= h('button', { type: 'button', class: 'secondary load-more', onclick: () => actions.loadFiles({ more: true }) }, 'Load more');
      more.disabled = Boolean(panel.loading);
      nodes.push(more);
    }
  }
  reconcile(body, nodes);
  return [panel.controls, body];
}
