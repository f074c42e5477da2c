// Attention: the title badge "(N) " for unread messages, and desktop notifications (only
// when the user allowed them) for direct messages and mentions while the tab is hidden or
// another conversation is open.
const BASE_TITLE = 'imchat';

export function setBadge(n) {
  const title = n > 0 ? `(${n}) ${BASE_TITLE}` : BASE_TITLE;
  if (document.title !== title) document.title = title;
}

export function canAsk() {
  return 'Notification' in window && Notification.permission === 'default';
}

export function ask() {
  if (!('Notification' in window)) return Promise.resolve('denied');
  return Notification.requestPermission();
}

// Shows a notification; `onClick` opens the conversation.
export function notify(title, body, tag, onClick) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body: body.slice(0, 200), tag, silent: false });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker; the badge remains.
  }
}
