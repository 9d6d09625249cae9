// Small text and time helpers shared by the views (which are Preact components: views/).
// No inline style attributes anywhere: the page's CSP (style-src 'self') forbids them, so looks
// come from classes in app.css.

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const shortFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatTime = (date: Date): string => timeFmt.format(date);
export const formatFull = (date: Date): string => fullFmt.format(date);
/** A date and time in a table cell: "Jan 31, 2025, 9:15 AM". */
export const formatShort = (date: Date): string => shortFmt.format(date);

export function dayLabel(date: Date): string {
  const today = new Date();
  const yesterday = new Date(today);
  yesterday.setDate(today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return 'Today';
  if (date.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return dayFmt.format(date);
}

export function initials(name: string | null | undefined): string {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? '') : '';
  return ((parts[0]?.[0] ?? '?') + last).toUpperCase();
}

/** A stable colour class for a person's avatar (8 colours defined in app.css). */
export const colorClass = (id: number | string): string => `c${Math.abs(Number(id) || 0) % 8}`;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
