// memo() without preact/compat (compat rewrites every vnode, e.g. onChange into onInput).
import { Component, type ComponentType, type FunctionComponent, h } from 'preact';

function shallowEqual(a: object, b: object): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key in ra) if (key !== 'children' && ra[key] !== rb[key]) return false;
  for (const key in rb) if (key !== 'children' && !(key in ra)) return false;
  return true;
}

/** A component that re-renders only when a prop changes (compared with ===); children are ignored. */
export function memo<P extends object>(fn: FunctionComponent<P>): ComponentType<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !shallowEqual(this.props, next);
    }

    override render(props: P) {
      return h(fn, props);
    }
  }
  Object.defineProperty(Memo, 'name', { value: `Memo(${fn.displayName ?? fn.name})` });
  return Memo;
}
