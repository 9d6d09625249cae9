// Desktop notifications for mentions and direct messages while the tab is hidden.
// Permission is requested only from a click (browsers ignore or penalise unprompted asks).

import type { Message } from '../api/types';
import { state } from './state';

export const notificationsSupported = (): boolean => 'Notification' in window;

export const notificationsWanted = (): boolean => notificationsSupported() && Notification.permission === 'default';

export async function askPermission(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return 'denied';
  return Notification.requestPermission();
}

/** onOpen(): bring the conversation up when the notification is clicked. */
export function notify(title: string, message: Message, onOpen: () => void): void {
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
