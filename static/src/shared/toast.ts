// Short-lived notices for errors and confirmations, announced to screen readers.

export type ToastKind = 'error' | 'info';

export function toast(text: string, kind: ToastKind = 'error'): void {
  const host = document.getElementById('toasts');
  if (!host) return;
  const el = document.createElement('div');
  el.className = `toast toast-${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  el.setAttribute('data-testid', 'toast');
  el.append(text);
  host.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3500);
}

export function reportError(err: unknown): void {
  console.error(err);
  toast((err instanceof Error && err.message) || 'Something went wrong');
}
