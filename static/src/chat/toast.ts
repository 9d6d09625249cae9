// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Short-lived notices for errors and confirmations, announced to screen readers.
import { h } from './dom';

export function toast(text, kind = 'error') {
  const host = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': 'toast' }, text);
  host.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3500);
}

export function reportError(err) {
  console.error(err);
  toast(err?.message || 'Something went wrong');
}
