// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Batched rendering: state changes mark views dirty; they re-render once per microtask,
// so a burst of events (a sync replay) costs one render per view.

const renderers = new Map();
const dirty = new Set();
let scheduled = false;

export function register(name, fn) {
  renderers.set(name, fn);
}

export function invalidate(...names) {
  for (const name of names) dirty.add(name);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flush);
  }
}

function flush() {
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
