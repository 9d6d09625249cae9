// A secret the server shows once (an API token, a webhook's URL): selected in a read-only field
// with a Copy button, and a warning that it will not be shown again.

import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { toast } from './toast';

export function OneTimeSecret({ value, label, noun, testid, onDone, autoFocus = true, children }: {
  /** The secret itself. */
  value: string;
  /** The field's accessible name ('Secret of token deploy'). */
  label: string;
  /** What it is, for the messages ('token', 'webhook URL'). */
  noun: string;
  /** The field's data-testid; the Copy button's is `${testid}-copy`. */
  testid: string;
  /** "I have copied it": hide it for good. */
  onDone?: () => void;
  /** Take the focus when shown (default); false for a second secret shown beside the first. */
  autoFocus?: boolean;
  /** The warning shown above it. */
  children: ComponentChildren;
}) {
  const input = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [value]);
  const copy = () => {
    (navigator.clipboard?.writeText(value) ?? Promise.reject(new Error('no clipboard')))
      .then(() => toast(`${noun.charAt(0).toUpperCase()}${noun.slice(1)} copied`, 'info'), () => {
        input.current?.focus();
        toast(`Press Ctrl+C (⌘C) to copy the selected ${noun}`, 'info');
      });
  };
  return (
    <>
      <p class="warning">{children}</p>
      <div class="inline-form">
        <input ref={input} readOnly value={value} aria-label={label} data-testid={testid}
          onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="secondary" data-testid={`${testid}-copy`} onClick={copy}>Copy</button>
      </div>
      {onDone ? <button type="button" class="link" onClick={onDone}>I have copied it</button> : null}
    </>
  );
}
