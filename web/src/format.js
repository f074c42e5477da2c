// Times and dates for the message list and the address book.
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, {
  weekday: 'long', year: 'numeric', month: 'long', day: 'numeric',
});
const shortFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});

export function clock(ts) {
  return timeFmt.format(new Date(ts));
}

export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(ts) {
  const today = dayKey(Date.now());
  const yesterday = dayKey(Date.now() - 86400000);
  const k = dayKey(ts);
  if (k === today) return 'Today';
  if (k === yesterday) return 'Yesterday';
  return dayFmt.format(new Date(ts));
}

// toLocaleString() builds a new formatter per call (slow for hundreds of messages).
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
export function fullTime(ts) {
  return fullFmt.format(new Date(ts));
}

// "online", "last seen 5 min ago", "last seen Mar 3, 14:02", "never seen".
export function lastSeen(online, ts, now = Date.now()) {
  if (online) return 'online';
  if (!ts) return 'never seen';
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return 'last seen just now';
  if (s < 3600) return `last seen ${Math.round(s / 60)} min ago`;
  if (s < 86400) return `last seen ${Math.round(s / 3600)} h ago`;
  return `last seen ${shortFmt.format(new Date(ts))}`;
}

// "512 B", "1.2 MB": the service's HumanSize (auth-service/core/file_names.cpp), so sizes
// read the same in the web client, the CLI and the service's messages.
export function humanSize(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let unit = 0;
  while (v >= 999.95 && unit < 3) {
    v /= 1000;
    unit++;
  }
  return `${v.toFixed(1)} ${units[unit]}`;
}
