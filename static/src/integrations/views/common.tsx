// Small pieces every section of the Integrations page uses: the inline error line, a time, a
// status tag, and the run-one-action-at-a-time hook behind row buttons.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../../shared/dialogs';
import { formatFull, formatShort } from '../../shared/dom';
import { subscribe } from '../store';

/** An error from the server (its message), shown where it happened; announced when it appears. */
export function ErrorLine({ error, testid }: { error: string | null; testid?: string }) {
  return <p class="form-error" role="alert" hidden={!error} data-testid={testid}>{error ?? ''}</p>;
}

export function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  const date = new Date(iso);
  return <time dateTime={iso} title={formatFull(date)}>{formatShort(date)}</time>;
}

export function Tag({ tone, children }: { tone: 'good' | 'bad' | 'neutral' | 'pending'; children: ComponentChildren }) {
  return <span class={`status-tag ${tone}`}>{children}</span>;
}

/** Run one action at a time for a row or a form: `busy` while it runs, its failure in `error`
 *  (the server's message) until the next try. The action's own result is returned, or null. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async <T,>(action: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(messageOf(err));
      return null;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">{`Loading ${what}…`}</p>;
}

/** Re-render the calling component after each batch of store mutations: the page's root, and
 *  dialogs (mounted apart from it) that show the state. */
export function useStateChanges(): void {
  const [, setVersion] = useState(0);
  useEffect(() => subscribe(() => setVersion((v) => v + 1)), []);
}
