// Files being attached to a message that is not sent yet, per composer ("channel:root").
//
// Each file is its own XMLHttpRequest (fetch cannot report upload progress), so each has its own
// progress bar and can be cancelled alone. A finished upload holds the server's File payload;
// its id goes out with the next message from that composer (see outbox.ts). Like the outbox,
// this is a small store of its own: only this module changes the lists; views read them.

import type { FileInfo } from '../api/types';
import { csrfToken } from '../shared/api';
import { currentWorkspace } from './state';

const MAX_PER_MESSAGE = 10;

export interface Attachment {
  key: string;
  name: string;
  size: number;
  status: 'uploading' | 'done' | 'failed';
  progress: number;
  error: string | null;
  /** The server's File payload once uploaded. */
  file: FileInfo | null;
  xhr: XMLHttpRequest | null;
}

/** composer key ("channel:root") -> its attachments */
const lists = new Map<string, Attachment[]>();
const listeners = new Set<() => void>();
let counter = 0;

/** fn() is called whenever any list changes (progress included). */
export function onUploadsChanged(fn: () => void): void {
  listeners.add(fn);
}

function changed(): void {
  for (const fn of listeners) {
    try {
      fn();
    } catch (err) {
      console.error(err);
    }
  }
}

export const attachmentsFor = (composerKey: string): Attachment[] => lists.get(composerKey) ?? [];

export const uploading = (composerKey: string): boolean => attachmentsFor(composerKey).some((a) => a.status === 'uploading');

export function formatSize(bytes: number | null | undefined): string {
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
export function addFiles(composerKey: string, channelId: number, files: Iterable<File>): string[] {
  const list = lists.get(composerKey) ?? [];
  lists.set(composerKey, list);
  const limit = currentWorkspace()?.max_file_size ?? null;
  const problems: string[] = [];
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
    counter += 1;
    const item: Attachment = {
      key: `up-${counter}`,
      name: file.name || 'pasted file',
      size: file.size,
      status: 'uploading',
      progress: 0,
      error: null,
      file: null,
      xhr: null,
    };
    list.push(item);
    start(item, channelId, file);
  }
  changed();
  return problems;
}

/** The upload's answer: {files: [File]} or an error body. */
function uploadAnswer(response: unknown): { file: FileInfo | null; error: string | null } {
  if (typeof response !== 'object' || response === null) return { file: null, error: null };
  const body = response as { files?: FileInfo[]; error?: { message?: string } };
  return { file: body.files?.[0] ?? null, error: body.error?.message ?? null };
}

function start(item: Attachment, channelId: number, file: File): void {
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
    const answer = uploadAnswer(xhr.response);
    if (xhr.status === 201 && answer.file) {
      item.status = 'done';
      item.progress = 100;
      item.file = answer.file;
    } else if (xhr.status === 401) {
      location.assign('/login');
    } else {
      item.status = 'failed';
      item.error = answer.error ?? (xhr.status === 413 ? 'The file is too large' : `Upload failed (${xhr.status})`);
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
export function removeAttachment(composerKey: string, itemKey: string): void {
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
export function takeUploaded(composerKey: string): FileInfo[] {
  const list = attachmentsFor(composerKey);
  const done = list.filter((a) => a.status === 'done');
  lists.set(
    composerKey,
    list.filter((a) => a.status !== 'done'),
  );
  if (done.length) changed();
  return done.flatMap((a) => (a.file ? [a.file] : []));
}

/** file.updated: an upload not sent yet got its preview. */
export function fileUpdated(payload: FileInfo): void {
  for (const list of lists.values()) {
    for (const item of list) if (item.file?.id === payload.id) item.file = payload;
  }
  changed();
}
