// The message box (the channel's and the thread's) with its attachments, and the drop zones
// that send dragged files to one of them.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CommandInfo, Message } from '../../api/types';
import { Icon } from '../../shared/icons';
import { toast } from '../../shared/toast';
import * as actions from '../actions';
import { moveSelection, parseTyped, suggest, typedName } from '../commands';
import { displayName, isAdmin, isDirect, state } from '../state';
import { type Attachment, addFiles, attachmentsFor, formatSize, onUploadsChanged, removeAttachment, takeUploaded, uploading } from '../uploads';
import { beginEdit } from './messages';

/** Which conversation a composer writes to. */
export interface Target {
  channelId: number;
  rootId: number | null;
}

/** What a drop zone needs of a composer. */
export interface ComposerHandle {
  box: HTMLTextAreaElement;
  addFiles: (files: File[]) => void;
}

/** Mounted composers by id ('composer', 'thread-composer'). */
const handles = new Map<string, ComposerHandle>();
export const composerHandle = (id: string): ComposerHandle | null => handles.get(id) ?? null;

// uploads.ts takes listeners for good; composers come and go (the thread's), so one listener
// fans out to the mounted ones.
const uploadListeners = new Set<() => void>();
onUploadsChanged(() => {
  for (const fn of uploadListeners) fn();
});

const keyOf = (t: Target | null): string | null => (t ? `${t.channelId}:${t.rootId ?? ''}` : null);
const attachmentsOf = (key: string | null): Attachment[] => (key === null ? [] : attachmentsFor(key));

function lastOwnMessage(t: Target | null): Message | null {
  if (!t) return null;
  let candidates: Message[] = [];
  if (t.rootId) {
    const panel = state.panel;
    if (panel?.kind === 'thread' && panel.rootId === t.rootId) candidates = [...panel.replies.values()];
  } else {
    const store = state.stores.get(t.channelId);
    candidates = store ? [...store.messages.values()] : [];
  }
  return candidates.filter((m) => m.author.id === state.me.id && !m.deleted).sort((a, b) => b.id - a.id)[0] ?? null;
}

interface Known {
  status: Attachment['status'];
  quarter: number;
}

function AttachmentRow({ item, onRemove }: { item: Attachment; onRemove: (item: Attachment) => void }) {
  const thumb = item.file?.preview?.thumbnail_url ?? null;
  const uploadingNow = item.status === 'uploading';
  return (
    <li class={`attachment ${item.status}`} data-testid="attachment" data-status={item.status}>
      {thumb ? <img class="attachment-thumb" src={thumb} alt="" /> : <Icon name="file" extraClass="file-icon" />}
      <span class="attachment-main">
        <span class="attachment-name">{item.name}</span>
        <span class="muted">{` ${formatSize(item.size)}`}</span>
        {uploadingNow ? <progress max={100} value={item.progress} aria-label={`Uploading ${item.name}`} /> : null}
        {uploadingNow ? <span class="muted attachment-status" aria-hidden="true">{`${item.progress}%`}</span> : null}
        {item.status === 'failed' ? <span class="attachment-error" role="alert">{item.error}</span> : null}
      </span>
      <button type="button" class="icon" aria-label={uploadingNow ? `Cancel upload of ${item.name}` : `Remove ${item.name}`}
        title={uploadingNow ? 'Cancel upload' : 'Remove'} onClick={() => onRemove(item)}><Icon name="x" /></button>
    </li>
  );
}

/** The commands suggested while a command's name is typed at the start of the box: a listbox
 *  the box controls (arrow keys move, Enter or Tab pick, Escape closes). */
function CommandSuggestions({ id, list, selected, onPick }: {
  id: string; list: CommandInfo[]; selected: number; onPick: (command: CommandInfo) => void;
}) {
  return (
    <div id={`${id}-commands`} class="command-suggestions" role="listbox" aria-label="Commands" data-testid={`${id}-commands`}>
      {list.map((command, i) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the box's own keys (arrows, Enter, Tab) pick; this is the pointer's way
        <div key={command.name} id={`${id}-command-${i}`} role="option" tabIndex={-1} aria-selected={i === selected ? 'true' : 'false'}
          class={`command-suggestion${i === selected ? ' selected' : ''}`} data-testid="command-suggestion"
          data-command={command.name}
          onMouseDown={(e) => e.preventDefault() /* keep the focus in the box */} onClick={() => onPick(command)}>
          <span class="command-name">{command.name}</span>
          {command.usage_hint ? <span class="command-usage muted">{` ${command.usage_hint}`}</span> : null}
          {command.description ? <span class="command-description muted">{command.description}</span> : null}
        </div>
      ))}
    </div>
  );
}

/** A message box bound to the conversation target() names (null: none). Files join the next
 *  message through the paperclip, a paste, or a drop (composerHandle(id).addFiles). Text that
 *  starts with a slash runs a command instead (commands.ts says which text does). */
export function Composer({ id, label, target }: { id: string; label: string; target: () => Target | null }) {
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const shownKey = useRef<string | null | undefined>(undefined);
  const known = useRef(new Map<string, Known>());
  const [status, setStatus] = useState('');
  const [, setUploadsVersion] = useState(0);
  // What the box holds, for the command suggestions (the box itself stays uncontrolled), the
  // suggestion highlighted, and the text for which Escape closed the list.
  const [typed, setTyped] = useState('');
  const [selected, setSelected] = useState(0);
  const [closedFor, setClosedFor] = useState<string | null>(null);

  const t = target();
  const key = keyOf(t);
  const channel = t ? state.channels.get(t.channelId) : undefined;
  let reason: string | null = null;
  if (!channel) reason = 'Pick a conversation';
  else if (channel.archived) reason = 'This channel is archived.';
  else if (channel.broadcast && !channel.can_post && !isAdmin()) reason = 'Only admins and chosen people post in this broadcast channel.';
  const where = channel && t ? (t.rootId ? 'Reply in thread' : `Message ${isDirect(channel) ? displayName(channel) : `#${channel.name}`}`) : 'Message';
  const list = attachmentsOf(key);
  const partial = typedName(typed);
  const suggestions = partial !== null && closedFor !== typed && !reason ? suggest(state.commands ?? [], partial) : [];
  const highlighted = Math.min(selected, Math.max(suggestions.length - 1, 0));

  const grow = () => {
    const el = box.current;
    if (el) el.classList.toggle('tall', el.value.split('\n').length > 1 || el.scrollHeight > 48);
  };

  /** What the live region should say about this change of the upload lists. */
  const remember = (announce: boolean) => {
    const news: string[] = [];
    const now = attachmentsOf(keyOf(target()));
    const seen = known.current;
    for (const item of now) {
      const before = seen.get(item.key);
      const quarter = Math.floor(item.progress / 25);
      if (!before && item.status === 'uploading') news.push(`Uploading ${item.name}`);
      else if (before?.status === 'uploading' && item.status === 'done') news.push(`${item.name} uploaded, ready to send`);
      else if (before && item.status === 'uploading' && quarter > before.quarter && quarter < 4) news.push(`${item.name} ${item.progress}% uploaded`);
      seen.set(item.key, { status: item.status, quarter });
    }
    for (const k of [...seen.keys()]) if (!now.some((a) => a.key === k)) seen.delete(k);
    if (announce && news.length) setStatus(news.join('. '));
  };

  // Another conversation: its draft and its attachments (nothing new happened: no announcement).
  useLayoutEffect(() => {
    if (shownKey.current === key) return;
    shownKey.current = key;
    if (box.current) box.current.value = (key !== null && state.drafts.get(key)) || '';
    setTyped(box.current?.value ?? '');
    grow();
    known.current.clear();
    remember(false);
  });

  useEffect(() => {
    const changed = () => {
      remember(true);
      setUploadsVersion((v) => v + 1);
    };
    uploadListeners.add(changed);
    return () => {
      uploadListeners.delete(changed);
    };
  }, []);

  const takeFiles = (files: File[]) => {
    const now = target();
    if (!now || box.current?.disabled || !files.length) return;
    for (const problem of addFiles(`${now.channelId}:${now.rootId ?? ''}`, now.channelId, files)) toast(problem);
  };

  useLayoutEffect(() => {
    if (box.current) handles.set(id, { box: box.current, addFiles: takeFiles });
    return () => {
      handles.delete(id);
    };
  });

  const submit = () => {
    const now = target();
    const el = box.current;
    if (!now || !el) return;
    const k = `${now.channelId}:${now.rootId ?? ''}`;
    if (uploading(k)) {
      toast('Files are still uploading: send when they are ready, or cancel them.', 'info');
      return;
    }
    const hasFiles = attachmentsOf(k).some((a) => a.status === 'done');
    if (!el.value.trim() && !hasFiles) return;
    const typedNow = parseTyped(el.value);
    if (typedNow.kind === 'command') {
      if (hasFiles) {
        toast('A command cannot carry files: send them in a message of their own.', 'info');
        return;
      }
      void actions.runCommand(now.channelId, now.rootId ?? null, typedNow.command, typedNow.text);
    } else {
      actions.sendMessage(now.channelId, typedNow.body, now.rootId ?? null, takeUploaded(k));
      actions.typingStopped(now.channelId, now.rootId ?? null);
    }
    el.value = '';
    actions.setDraft(k, '');
    setTyped('');
    grow();
  };

  /** Put the picked command in the box, ready for its text. */
  const pick = (command: CommandInfo) => {
    const el = box.current;
    const now = target();
    if (!el) return;
    el.value = `${command.name} `;
    if (now) actions.setDraft(`${now.channelId}:${now.rootId ?? ''}`, el.value);
    setTyped(el.value);
    setSelected(0);
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  };

  const onKeyDown = (e: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length && !e.isComposing) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSelected(moveSelection(highlighted, suggestions.length, e.key));
        return;
      }
      const chosen = suggestions[highlighted];
      // Enter on a name typed in full runs it (as Slack does); on a partial one it picks.
      const typedInFull = chosen !== undefined && chosen.name === partial;
      if (chosen && ((e.key === 'Enter' && !e.shiftKey && !typedInFull) || e.key === 'Tab')) {
        e.preventDefault();
        pick(chosen);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setClosedFor(typed);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'ArrowUp' && !e.currentTarget.value) {
      const last = lastOwnMessage(target());
      if (last) {
        e.preventDefault();
        beginEdit(last);
      }
    } else if (e.key === 'Escape' && state.editing) {
      e.preventDefault();
      actions.cancelEditing();
    }
  };

  const onInput = (e: JSX.TargetedInputEvent<HTMLTextAreaElement>) => {
    const now = target();
    const value = e.currentTarget.value;
    if (now) actions.setDraft(`${now.channelId}:${now.rootId ?? ''}`, value);
    grow();
    setTyped(value);
    setSelected(0);
    if (typedName(value) !== null) void actions.loadCommands();
    if (now && value.trim() && parseTyped(value).kind === 'text') actions.typingStarted(now.channelId, now.rootId ?? null);
  };

  const onPaste = (e: JSX.TargetedClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!files.length) return;
    e.preventDefault();
    takeFiles(files);
  };

  const remove = (item: Attachment) => {
    if (key !== null) removeAttachment(key, item.key);
    setStatus(item.status === 'uploading' ? `Upload of ${item.name} cancelled` : `${item.name} removed`);
    box.current?.focus();
  };

  return (
    <form id={id} class="composer" aria-label={label} onSubmit={(e) => { e.preventDefault(); submit(); }}>
      {/* Progress bars are not announced as they move: this live region says when an upload
          starts, passes each quarter and finishes (failures are alerts in their row). */}
      <p class="visually-hidden" role="status" data-testid={`${id}-upload-status`}>{status}</p>
      <ul class="attachments" aria-label="Files to send" data-testid={`${id}-attachments`} hidden={!list.length}>
        {list.map((item) => <AttachmentRow key={item.key} item={item} onRemove={remove} />)}
      </ul>
      {suggestions.length
        ? <CommandSuggestions id={id} list={suggestions} selected={highlighted} onPick={pick} />
        : null}
      <div class="composer-row">
        <button type="button" class="icon attach" aria-label="Attach files" title="Attach files" disabled={Boolean(reason)}
          onClick={() => picker.current?.click()}><Icon name="paperclip" /></button>
        <input ref={picker} type="file" multiple class="visually-hidden" tabIndex={-1} aria-hidden="true" data-testid={`${id}-file-input`}
          onChange={(e) => {
            const input = e.currentTarget;
            takeFiles([...(input.files ?? [])]);
            input.value = '';
            box.current?.focus();
          }} />
        <textarea ref={box} rows={1} aria-label={where} placeholder={where} data-testid={`${id}-input`} disabled={Boolean(reason)}
          aria-autocomplete="list" aria-controls={suggestions.length ? `${id}-commands` : undefined}
          aria-activedescendant={suggestions.length ? `${id}-command-${highlighted}` : undefined}
          onInput={onInput} onKeyDown={onKeyDown} onPaste={onPaste} />
        <button type="submit" class="send" aria-label="Send message" disabled={Boolean(reason)}>Send</button>
      </div>
      <p class="composer-note muted" hidden={!reason || !channel}>{reason ?? ''}</p>
      <p class="composer-hint muted">Enter to send · Shift+Enter for a new line · Up arrow to edit your last message · drop or paste files to attach · / for commands</p>
    </form>
  );
}

// --- drop zones -----------------------------------------------------------------------------------

/** Where files dropped here go: a composer, or none (the label says why). */
export interface DropChoice {
  composer: ComposerHandle | null;
  label: string;
}

const carriesFiles = (e: DragEvent): boolean => [...(e.dataTransfer?.types ?? [])].includes('Files');

type AreaProps = {
  onDragEnter: (e: DragEvent) => void;
  onDragOver: (e: DragEvent) => void;
  onDrop: (e: DragEvent) => void;
};

/** Files dragged over an area join the next message of the composer pick() names. Returns the
 *  area's drag handlers and the zone, shown over the area while files hover it, for the caller
 *  to place inside the area (a positioned box). */
export function useDropTarget(testid: string, pick: () => DropChoice): { area: AreaProps; zone: ComponentChildren } {
  const [shown, setShown] = useState(false);
  const [text, setText] = useState('Drop files to attach them');
  const zoneRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const hide = () => setShown(false);
    document.addEventListener('dragend', hide);
    return () => document.removeEventListener('dragend', hide);
  }, []);
  const area: AreaProps = {
    onDragEnter: (e) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setText(pick().label);
      setShown(true);
    },
    onDragOver: (e) => {
      if (!carriesFiles(e)) return;
      e.preventDefault(); // allows the drop
      const { composer } = pick();
      if (e.dataTransfer) e.dataTransfer.dropEffect = composer && !composer.box.disabled ? 'copy' : 'none';
      setShown(true);
    },
    onDrop: (e) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setShown(false);
      const { composer } = pick();
      if (!composer) return;
      composer.addFiles([...(e.dataTransfer?.files ?? [])]);
      composer.box.focus();
    },
  };
  // The zone covers the area while shown: leaving it means leaving the area.
  const onDragLeave = (e: DragEvent) => {
    const zone = zoneRef.current;
    if (zone && e.target === zone && !zone.contains(e.relatedTarget as Node | null)) setShown(false);
  };
  const zone = (
    <div ref={zoneRef} class="drop-zone" data-testid={testid} hidden={!shown} aria-hidden="true" onDragLeave={onDragLeave}>
      <div class="drop-zone-inner"><Icon name="upload" extraClass="drop-zone-icon" /><span data-testid={`${testid}-text`}>{text}</span></div>
    </div>
  );
  return { area, zone };
}
