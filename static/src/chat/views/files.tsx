// Shared files: the card shown in a message and in the files panel, the in-page viewer (a PDF
// in the browser's own viewer, an image full size), and the files panel with its filters and
// search. File names and snippets are people's text: they only ever go in as text nodes.

import type { VNode } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { FileInfo } from '../../api/types';
import { openDialog } from '../../shared/dialogs';
import { formatFull, formatTime, plural } from '../../shared/dom';
import { Icon, type IconName } from '../../shared/icons';
import * as actions from '../actions';
import { type FileSearchResult, type FilesPanel, type FilesScope, isAdmin, isDirect, state } from '../state';
import { formatSize } from '../uploads';
import { memo } from './memo';

const KIND_ICON: Record<FileInfo['kind'], IconName> = { pdf: 'file-text', image: 'image', other: 'file' };

export function typeLabel(file: FileInfo): string {
  if (file.kind === 'pdf') return 'PDF';
  if (file.kind === 'image') return (file.content_type.split('/')[1] ?? 'image').toUpperCase();
  return file.content_type === 'text/plain' ? 'Text' : 'File';
}

const viewable = (file: FileInfo): boolean => file.kind === 'pdf' || file.kind === 'image';

function FilePreview({ file }: { file: FileInfo }) {
  const previewState = file.preview?.state ?? 'none';
  const thumb = previewState === 'ready' ? file.preview.thumbnail_url : null;
  if (thumb) {
    return (
      <img class="file-thumb" src={thumb} alt="" loading="lazy" data-testid="file-thumbnail"
        width={file.kind === 'image' ? (file.preview.width ?? undefined) : undefined}
        height={file.kind === 'image' ? (file.preview.height ?? undefined) : undefined} />
    );
  }
  if (previewState === 'pending') {
    return (
      <span class="file-placeholder pending" data-testid="file-preview-pending">
        <span class="spinner" aria-hidden="true" /><span>Preparing preview…</span>
      </span>
    );
  }
  return (
    <span class="file-placeholder" aria-hidden="true">
      <Icon name={KIND_ICON[file.kind] ?? 'file'} extraClass="file-icon" />
      {previewState === 'failed' ? <span class="muted">No preview</span> : null}
    </span>
  );
}

/** One file as a card: preview (thumbnail, placeholder or icon), name, type, size, uploader. */
export function FileCard({ file }: { file: FileInfo }) {
  const previewState = file.preview?.state ?? 'none';
  const details = [typeLabel(file)];
  if (file.kind === 'pdf' && file.preview?.page_count) details.push(plural(file.preview.page_count, 'page'));
  details.push(formatSize(file.size));
  const canDelete = file.uploader.id === state.me.id || isAdmin();
  const open = () => openViewer(file);
  return (
    <div class={`file-card kind-${file.kind} preview-${previewState}`} data-testid="file-card"
      data-file-id={file.id} data-preview-state={previewState}>
      {viewable(file)
        ? <button type="button" class="file-preview" aria-label={`Open ${file.name}`} title={`Open ${file.name}`} onClick={open}><FilePreview file={file} /></button>
        : <span class="file-preview"><FilePreview file={file} /></span>}
      <div class="file-info">
        {viewable(file)
          ? <button type="button" class="link file-name" data-testid="file-name" onClick={open}>{file.name}</button>
          : <span class="file-name" data-testid="file-name">{file.name}</span>}
        <span class="file-meta muted">
          {details.map((d, i) => [i ? ' · ' : null, <span key={d} data-testid={/^\d+ pages?$/.test(d) ? 'page-count' : undefined}>{d}</span>])}
          {` · ${file.uploader.display_name}`}
        </span>
      </div>
      <div class="file-actions">
        <a class="icon-link" href={file.download_url} download={file.name} aria-label={`Download ${file.name}`} title="Download"><Icon name="download" /></a>
        {canDelete
          ? (
            <button type="button" class="icon" aria-label={`Delete ${file.name}`} title="Delete file"
              onClick={() => { if (window.confirm(`Delete ${file.name} for everyone?`)) actions.deleteFile(file); }}>
              <Icon name="trash" />
            </button>
          )
          : null}
      </div>
    </div>
  );
}

export function FileList({ files }: { files: FileInfo[] | null | undefined }) {
  if (!files?.length) return null;
  return (
    // biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup
    <div class="file-list" role="list" aria-label={plural(files.length, 'file')}>
      {/* biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup */}
      {files.map((f) => <div key={f.id} role="listitem"><FileCard file={f} /></div>)}
    </div>
  );
}

/** The in-page viewer: a PDF in the browser's viewer (our CSP allows framing our own origin;
 *  the file answers with frame-ancestors 'self'), an image at full size. Escape closes it. */
export function openViewer(file: FileInfo): void {
  const content = file.kind === 'pdf'
    ? <iframe class="pdf-frame" src={file.url} title={file.name} data-testid="pdf-frame" />
    : <img class="lightbox-image" src={file.url} alt={file.name} data-testid="lightbox-image" />;
  openDialog(file.name, (
    <div class="viewer">
      {content}
      <p class="viewer-foot muted">
        {`${typeLabel(file)} · ${formatSize(file.size)} · ${file.uploader.display_name} · ${formatFull(new Date(file.created_at))} `}
        <a href={file.download_url} download={file.name}>Download</a>
        {' · '}
        <a href={file.url} target="_blank" rel="noopener">Open in a new tab</a>
      </p>
    </div>
  ), { testid: file.kind === 'pdf' ? 'pdf-viewer' : 'image-viewer', wide: true });
}

// --- the files panel ------------------------------------------------------------------------------

/** Text with every case-insensitive occurrence of `q` in a <mark>, as text nodes. */
export function Marked({ text, q }: { text: string; q: string }) {
  if (!q) return <>{text}</>;
  const out: (string | VNode)[] = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
    out.push(text.slice(at, i), <mark key={i}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  out.push(text.slice(at));
  return <>{out}</>;
}

function placeName(channelId: number): string {
  const channel = state.channels.get(channelId);
  if (!channel) return 'a conversation';
  return isDirect(channel) ? 'a direct conversation' : `#${channel.name}`;
}

/** A select of fixed options: onChange gets the option picked, typed as the options are. */
function Select<T extends string>({ label, value, options, onChange, testid }: {
  label: string; value: string | number; options: [T, string][]; onChange: (value: T) => void; testid: string;
}) {
  const pick = (picked: string) => {
    const option = options.find(([v]) => v === picked);
    if (option) onChange(option[0]);
  };
  return (
    <select aria-label={label} data-testid={testid} value={String(value)} onChange={(e) => pick(e.currentTarget.value)}>
      {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
    </select>
  );
}

const SCOPES: [FilesScope, string][] = [['channel', 'This conversation'], ['workspace', 'Whole workspace']];

/** The search box and filters. Mounted once per panel (keyed by it), so a half-typed query survives re-renders. */
function FilesControls({ panel }: { panel: FilesPanel }) {
  const search = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    if (search.current) search.current.value = panel.query;
  }, []);
  const people = [...state.members.values()].sort((a, b) => a.display_name.localeCompare(b.display_name));
  return (
    <div class="files-controls">
      {/* biome-ignore lint/a11y/useSemanticElements: kept as it was: app.css and the browser tests rely on this markup */}
      <form class="files-search" role="search" onSubmit={(e) => { e.preventDefault(); actions.searchFiles(search.current?.value ?? ''); }}>
        <input ref={search} type="search" name="q" aria-label="Search files" placeholder="Search names and text in PDFs" data-testid="files-search"
          onSearch={(e) => { if (!e.currentTarget.value) actions.searchFiles(''); }} />
        <button type="submit" class="secondary">Search</button>
      </form>
      <div class="files-filters">
        <Select label="Where" value={panel.scope} options={SCOPES}
          onChange={(scope) => actions.setFilesFilter({ scope })} testid="files-scope" />
        <Select label="Type" value={panel.fileKind} options={[['', 'All types'], ['pdf', 'PDFs'], ['image', 'Images'], ['other', 'Other files']]}
          onChange={(fileKind) => actions.setFilesFilter({ fileKind })} testid="files-kind" />
        <Select label="Shared by" value={panel.userId}
          options={[['', 'Anyone'], ...people.map((m): [string, string] => [String(m.id), m.id === state.me.id ? `${m.display_name} (you)` : m.display_name])]}
          onChange={(userId) => actions.setFilesFilter({ userId: userId ? Number(userId) : '' })} testid="files-person" />
      </div>
    </div>
  );
}

/** Rebuilt only when its file payload changes, so re-renders keep its nodes (and focus). */
const FileItem = memo(function FileItem({ file }: { file: FileInfo }) {
  const created = new Date(file.created_at);
  return (
    <li class="file-item" data-testid="file-item">
      <FileCard file={file} />
      <div class="file-where muted">
        <time dateTime={file.created_at} title={formatFull(created)}>{`${created.toLocaleDateString()} ${formatTime(created)}`}</time>
        {/* Panels list shared files, which always have a channel (only an unshared upload has none). */}
        {file.channel_id !== null ? ` in ${placeName(file.channel_id)} ` : ' '}
        {file.message_id
          ? (
            <button type="button" class="link" aria-label={`Show the message that shared ${file.name}`}
              onClick={() => { if (file.message_id) actions.showMessageById(file.message_id); }}>Show message</button>
          )
          : null}
      </div>
    </li>
  );
});

function ResultItem({ result, q }: { result: FileSearchResult; q: string }) {
  return (
    <li class="file-item" data-testid="file-result">
      <FileCard file={result.file} />
      {result.snippet ? <p class="snippet" data-testid="file-snippet">…<Marked text={result.snippet} q={q} />…</p> : null}
      <div class="file-where muted">
        {`${result.message.author.display_name} in ${placeName(result.message.channel_id)} `}
        <button type="button" class="link" aria-label={`Show the message that shared ${result.file.name}`}
          onClick={() => actions.showMessage(result.message)}>Show message</button>
      </div>
    </li>
  );
}

function FilesBody({ panel }: { panel: FilesPanel }) {
  if (panel.query) {
    const q = panel.query;
    if (panel.searching || !panel.results) return <p class="muted pad">Searching…</p>;
    if (!panel.results.length) return <p class="muted pad" data-testid="files-empty">{`No files match “${q}”.`}</p>;
    return (
      <>
        <p class="muted pad" role="status">{plural(panel.results.length, 'file')}{' found in the workspace'}</p>
        <ul class="file-items">{panel.results.map((r) => <ResultItem key={r.file.id} result={r} q={q} />)}</ul>
      </>
    );
  }
  if (!panel.list) return <p class="muted pad">Loading…</p>;
  if (!panel.list.length) {
    return (
      <p class="muted pad" data-testid="files-empty">
        {panel.fileKind || panel.userId ? 'No files match these filters.' : 'No files shared yet. Drop one on the conversation or use the Attach files button.'}
      </p>
    );
  }
  return (
    <>
      <ul class="file-items">{panel.list.map((f) => <FileItem key={f.id} file={f} />)}</ul>
      {panel.hasMore
        ? <button type="button" class="secondary load-more" disabled={Boolean(panel.loading)} onClick={() => actions.loadFiles({ more: true })}>Load more</button>
        : null}
    </>
  );
}

const panelIds = new WeakMap<FilesPanel, number>();
let nextPanelId = 0;

/** The panel parts below the header: the controls (kept while the panel is open) and the body. */
export function FilesPanelView({ panel }: { panel: FilesPanel }) {
  let id = panelIds.get(panel);
  if (id === undefined) {
    id = ++nextPanelId;
    panelIds.set(panel, id);
  }
  return (
    <>
      <FilesControls key={`controls-${id}`} panel={panel} />
      <div class="panel-body" data-testid="files-panel"><FilesBody panel={panel} /></div>
    </>
  );
}
