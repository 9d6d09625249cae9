// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Files being attached to a message that is not sent yet, per composer ("channel:root").
//
// Each file is its own XMLHttpRequest (fetch cannot report upload progress), so each has its own
// progress bar and can be cancelled alone. A finished upload holds the server's File payload;
// its id goes out with the next message from that composer (see outbox.js).

import { csrfToken } from './api';
import { currentWorkspace } from './state';

const MAX_PER_MESSAGE = 10;

/** composer key -> array of {key, name, size, status, progress, error, file, xhr} */
const lists = new Map();
const listeners = new Set();
let counter = 0;

/** fn() is called whenever any list changes (progress included). */
export function onUploadsChanged(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) {
    try { fn(); } catch (err) { console.error(err); }
  }
}

export const attachmentsFor = (composerKey) => lists.get(composerKey) ?? [];

export const uploading = (composerKey) => attachmentsFor(composerKey).some((a) => a.status === 'uploading');

export function formatSize(bytes) {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Start uploading `files` (a FileList or array) for the composer; returns the refused ones'
 *  reasons. The workspace's limit is checked here only to answer early: the server decides. */
export function addFiles(composerKey, channelId, files) {
  const list = lists.get(composerKey) ?? [];
  lists.set(composerKey, list);
  const limit = currentWorkspace()?.max_file_size ?? null;
  const problems = [];
  for (const file of files) {
    if (list.length >= MAX_PER_MESSAGE) {
      problems.push(`A message carries at most ${MAX_PER_MESSAGE} files.`);
      break;
    }
    if (!file.size) {
      problems.push(`${file.name || 'That file'} is empty.`);
      continue;
    }
    if (limit && file.size > limit) {
      problems.push(`${file.name} is ${formatSize(file.size)}; this workspace takes files up to ${formatSize(limit)}.`);
      continue;
    }
    const item = {
      key: `up-${++counter}`, name: file.name || 'pasted file', size: file.size, status: 'uploading',
      progress: 0, error: null, file: null, xhr: null,
    };
    list.push(item);
    start(item, channelId, file);
  }
  changed();
  return problems;
}

function start(item, channelId, file) {
  const xhr = new XMLHttpRequest();
  item.xhr = xhr;
  const body = new FormData();
  body.append('file', file, item.name);
  xhr.open('POST', `/api/v1/channels/${channelId}/files`);
  xhr.setRequestHeader('X-CSRFToken', csrfToken);
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.responseType = 'json';
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    // The last few percent wait for the server's answer (it stores and sniffs the bytes).
    item.progress = Math.min(95, Math.round((e.loaded / e.total) * 100));
    changed();
  });
  xhr.addEventListener('load', () => {
    item.xhr = null;
    const data = xhr.response;
    if (xhr.status === 201 && data?.files?.[0]) {
      item.status = 'done';
      item.progress = 100;
      item.file = data.files[0];
    } else if (xhr.status === 401) {
      location.assign('/login');
    } else {
      item.status = 'failed';
      item.error = data?.error?.message ?? (xhr.status === 413 ? 'The file is too large' : `Upload failed (${xhr.status})`);
    }
    changed();
  });
  xhr.addEventListener('error', () => {
    item.xhr = null;
    item.status = 'failed';
    item.error = 'The server cannot be reached';
    changed();
  });
  xhr.send(body);
}

/** Cancel an upload in progress, or take a finished or failed one off the list. */
export function removeAttachment(composerKey, itemKey) {
  const list = attachmentsFor(composerKey);
  const item = list.find((a) => a.key === itemKey);
  if (!item) return;
  list.splice(list.indexOf(item), 1);
  if (item.xhr) {
    item.xhr.abort();
    item.xhr = null;
  }
  if (item.file) {
    // Kept on the server for us only; let it go now rather than at the daily sweep.
    fetch(`/api/v1/files/${item.file.id}`, {
      method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRFToken': csrfToken },
    }).catch(() => {});
  }
  changed();
}

/** The uploaded files to send with the message now leaving this composer; they leave the list. */
export function takeUploaded(composerKey) {
  const list = attachmentsFor(composerKey);
  const done = list.filter((a) => a.status === 'done');
  lists.set(composerKey, list.filter((a) => a.status !== 'done'));
  if (done.length) changed();
  return done.map((a) => a.file);
}

/** file.updated: an upload not sent yet got its preview. */
export function fileUpdated(payload) {
  for (const list of lists.values()) {
    for (const item of list) if (item.file?.id === payload.id) item.file = payload;
  }
  changed();
}
