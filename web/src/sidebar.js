// The sidebar: conversations (everyone, rooms, direct messages) with unread counts, and the
// address book with presence and last seen. Elements are kept per key and updated in place.
import { lastSeen } from './format.js';
import { neutralise, textEl } from './text.js';

export class Sidebar {
  // hooks: open(key), signal (an AbortSignal that removes the listeners)
  constructor(convList, bookList, hooks) {
    this.convList = convList;
    this.bookList = bookList;
    this.hooks = hooks;
    this.convItems = new Map();
    this.contactItems = new Map();
    convList.addEventListener('click', (e) => {
      const li = e.target.closest('li.conv');
      if (li) hooks.open(li.dataset.conv);
    }, { signal: hooks.signal });
    bookList.addEventListener('click', (e) => {
      const li = e.target.closest('li.contact');
      if (li) hooks.open(`@${li.dataset.user}`);
    }, { signal: hooks.signal });
  }

  // convs: Conversation list in display order; current: open key.
  renderConversations(convs, current) {
    reconcile(this.convList, this.convItems, convs, (c) => c.key, (c) => {
      const li = document.createElement('li');
      li.className = 'conv';
      li.dataset.conv = c.key;
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'conv-btn';
      const icon = document.createElement('span');
      icon.className = 'conv-icon';
      icon.setAttribute('aria-hidden', 'true');
      icon.textContent = c.kind === 'all' ? '★' : c.kind === 'room' ? '#' : '@';
      const name = textEl('span', 'conv-name', c.name);
      const unread = document.createElement('span');
      unread.className = 'unread';
      btn.append(icon, name, unread);
      li.append(btn);
      return li;
    }, (li, c) => {
      const unread = li.querySelector('.unread');
      unread.textContent = c.unread > 0 ? String(c.unread) : '';
      unread.hidden = c.unread === 0;
      const label = `${c.kind === 'room' ? 'room ' : c.kind === 'dm' ? 'direct messages with ' : ''}${neutralise(c.name)}` +
        `${c.unread ? `, ${c.unread} unread` : ''}${c.member ? '' : ', not a member'}`;
      li.firstChild.setAttribute('aria-label', label);
      if (c.key === current) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
      if (c.kind === 'room') li.dataset.member = c.member ? 'true' : 'false';
    });
  }

  // users: [{user, display, online, last_seen, hidden}] sorted by name.
  renderContacts(users, me) {
    const now = Date.now();
    reconcile(this.bookList, this.contactItems, users, (u) => u.user, (u) => {
      const li = document.createElement('li');
      li.className = 'contact';
      li.dataset.user = u.user;
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'contact-btn';
      const dot = document.createElement('span');
      dot.className = 'presence-dot';
      dot.setAttribute('aria-hidden', 'true');
      const names = document.createElement('span');
      names.className = 'contact-names';
      const name = textEl('span', 'contact-name', u.user === me ? `${u.user} (you)` : u.user);
      const display = textEl('span', 'contact-display', '');
      const seen = document.createElement('span');
      seen.className = 'last-seen';
      names.append(name, display, seen);
      btn.append(dot, names);
      li.append(btn);
      return li;
    }, (li, u) => {
      li.dataset.online = u.online ? 'true' : 'false';
      const display = li.querySelector('.contact-display');
      const shown = neutralise(u.display || '');
      if (display.textContent !== shown) display.textContent = shown;
      const seenText = u.hidden ? 'hidden' : lastSeen(u.online, u.last_seen, now);
      const seen = li.querySelector('.last-seen');
      if (seen.textContent !== seenText) seen.textContent = seenText;
      li.firstChild.setAttribute('aria-label',
        `${u.user}${u.display ? ` (${shown})` : ''}, ${seenText}; open direct messages`);
    });
  }
}

// Makes `list` hold one element per entry, in order: `items` maps keyOf(entry) to its
// element, made once by create(entry) and refreshed by update(element, entry) on every
// call; elements of keys no longer present are removed. Elements are moved only when out of
// place, so focus and scroll survive a re-render.
function reconcile(list, items, entries, keyOf, create, update) {
  const seen = new Set();
  let prev = null;
  for (const entry of entries) {
    const key = keyOf(entry);
    seen.add(key);
    let el = items.get(key);
    if (!el) {
      el = create(entry);
      items.set(key, el);
    }
    update(el, entry);
    const want = prev ? prev.nextSibling : list.firstChild;
    if (want !== el) list.insertBefore(el, want);
    prev = el;
  }
  for (const [key, el] of items) {
    if (!seen.has(key)) {
      el.remove();
      items.delete(key);
    }
  }
}
