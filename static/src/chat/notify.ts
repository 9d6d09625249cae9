// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// Desktop notifications for mentions and direct messages while the tab is hidden.
// Permission is requested only from a click (browsers ignore or penalise unprompted asks).

import { state } from './state';

export const notificationsSupported = () => 'Notification' in window;

export const notificationsWanted = () => notificationsSupported() && Notification.permission === 'default';

export async function askPermission() {
  if (!notificationsSupported()) return 'denied';
  return Notification.requestPermission();
}

/** onOpen(): bring the conversation up when the notification is clicked. */
export function notify(title, message, onOpen) {
  if (!notificationsSupported() || Notification.permission !== 'granted' || !document.hidden) return;
  if (message.author?.id === state.me.id) return;
  try {
    const text = (message.body || '').replace(/\s+/g, ' ').slice(0, 160);
    const note = new Notification(title, { body: `${message.author.display_name}: ${text}`, tag: `message-${message.id}` });
    note.onclick = () => {
      window.focus();
      onOpen();
      note.close();
    };
  } catch {
    // Some mobile browsers only allow notifications from a service worker; skip quietly.
  }
}
