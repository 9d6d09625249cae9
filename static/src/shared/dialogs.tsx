// Modal dialogs on the native <dialog> element, for every page: focus stays inside, Escape
// closes them, and focus returns to the control that opened them. Each dialog is a Preact tree
// mounted into its <dialog> when it opens and unmounted when it closes. Also the pieces of the
// form dialogs (a submit hook with a busy flag and an error line, a labelled field) and a
// confirmation before destructive actions.

import type { ComponentChildren, JSX, VNode } from 'preact';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { Icon } from './icons';

export interface DialogOptions {
  testid?: string;
  wide?: boolean;
  /** An extra class on the <dialog> (e.g. 'medium'). */
  className?: string;
  /** A selector inside the dialog: that element gets the focus once the dialog is open. */
  focus?: string;
}

/** Close the dialog that holds `el` (a control inside it). */
export function closeDialogOf(el: Element | null): void {
  el?.closest('dialog')?.close();
}

let dialogCount = 0;

/** Open a modal dialog titled `title` with `content` (a function of close, or a vnode) below its
 *  header. Returns the <dialog>; closing it unmounts the content and removes the element. */
export function openDialog(title: string, content: VNode | ((close: () => void) => VNode),
  { testid, wide = false, className, focus }: DialogOptions = {}): HTMLDialogElement {
  const opener = document.activeElement;
  const headingId = `dlg-${Math.random().toString(36).slice(2)}${++dialogCount}`;
  const dialog = document.createElement('dialog');
  dialog.className = [wide ? 'dialog wide' : 'dialog', className].filter(Boolean).join(' ');
  dialog.setAttribute('aria-labelledby', headingId);
  if (testid) dialog.dataset.testid = testid;
  const close = () => dialog.close();
  render(
    <>
      <header class="dialog-header">
        <h2 id={headingId}>{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={close}><Icon name="x" /></button>
      </header>
      {typeof content === 'function' ? content(close) : content}
    </>,
    dialog,
  );
  dialog.addEventListener('close', () => {
    render(null, dialog);
    dialog.remove();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  if (focus) dialog.querySelector<HTMLElement>(focus)?.focus();
  return dialog;
}

/** What to tell the person about a failure: the server's message (ApiError) or the error's. */
export const messageOf = (err: unknown): string => (err instanceof Error && err.message) || 'Something went wrong';

/** A form's submit handler: run(form) may throw, and what describe() makes of the error is
 *  kept for the form's error line until the next try. */
export function useFormSubmit(run: (form: HTMLFormElement) => Promise<unknown> | unknown,
  describe: (err: unknown) => string = messageOf) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(null);
    try {
      await run(form);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return { submit, busy, error };
}

/** The body of a form dialog: onSubmit(formData) may throw to keep the dialog open with the error shown. */
function DialogForm({ children, submitLabel, onSubmit, close }: {
  children: ComponentChildren; submitLabel: string; close: () => void;
  onSubmit: (data: FormData) => Promise<unknown> | unknown;
}) {
  const { submit, busy, error } = useFormSubmit(async (form) => {
    await onSubmit(new FormData(form));
    close();
  });
  return (
    <form class="dialog-form" onSubmit={submit}>
      {children}
      <p class="form-error" role="alert" hidden={error === null}>{error ?? ''}</p>
      <div class="dialog-buttons">
        <button type="button" class="secondary" onClick={close}>Cancel</button>
        <button type="submit" disabled={busy}>{submitLabel}</button>
      </div>
    </form>
  );
}

/** A form dialog: onSubmit(formData) may throw to keep the dialog open with the error shown. */
export function formDialog(title: string, fields: ComponentChildren | ((close: () => void) => ComponentChildren),
  submitLabel: string, onSubmit: (data: FormData) => Promise<unknown> | unknown, opts: DialogOptions = {}): HTMLDialogElement {
  return openDialog(title, (close) => (
    <DialogForm submitLabel={submitLabel} onSubmit={onSubmit} close={close}>
      {typeof fields === 'function' ? fields(close) : fields}
    </DialogForm>
  ), { focus: '.dialog-form input, .dialog-form select, .dialog-form textarea', ...opts });
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  // biome-ignore lint/a11y/noLabelWithoutControl: the control comes in as children
  return <label class="field"><span>{label}</span>{children}</label>;
}

export interface ConfirmOptions {
  /** The confirming button's label ('Revoke', 'Deactivate'...). */
  confirmLabel: string;
  /** A destructive action: the confirming button looks like one. Default true. */
  danger?: boolean;
  testid?: string;
}

/** Ask before doing something that cannot be undone. Resolves true when the person confirms;
 *  false when they cancel, press Escape or close the dialog. Cancel has the focus, so Enter
 *  right after opening does nothing harmful. */
export function confirmDialog(title: string, text: ComponentChildren,
  { confirmLabel, danger = true, testid = 'confirm-dialog' }: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const dialog = openDialog(title, (close) => (
      <div class="dialog-body">
        <div class="confirm-text">{text}</div>
        <div class="dialog-buttons">
          <button type="button" class="secondary" data-autofocus onClick={close}>Cancel</button>
          <button type="button" class={danger ? 'danger' : ''} data-testid="confirm-button"
            onClick={() => { answer = true; close(); }}>{confirmLabel}</button>
        </div>
      </div>
    ), { testid, focus: '[data-autofocus]' });
    dialog.addEventListener('close', () => resolve(answer));
  });
}
