// Batched rendering: state changes mark views dirty; they re-render once per microtask,
// so a burst of events (a sync replay) costs one render per view.

/** The views main.ts registers; store mutations invalidate them by name. */
export type ViewName = 'banner' | 'workspaces' | 'sidebar' | 'header' | 'messages' | 'composer' | 'typing' | 'panel';

const renderers = new Map<string, () => void>();
const dirty = new Set<string>();
let scheduled = false;

export function register(name: ViewName, fn: () => void): void {
  renderers.set(name, fn);
}

export function invalidate(...names: ViewName[]): void {
  for (const name of names) dirty.add(name);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flush);
  }
}

function flush(): void {
  scheduled = false;
  const names = [...dirty];
  dirty.clear();
  for (const name of names) {
    try {
      renderers.get(name)?.();
    } catch (err) {
      console.error(`render ${name} failed`, err);
    }
  }
}
