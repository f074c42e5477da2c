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
    const seen = new Set();
    let prev = null;
    for (const c of convs) {
      seen.add(c.key);
      let li = this.convItems.get(c.key);
      if (!li) {
        li = document.createElement('li');
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
        this.convItems.set(c.key, li);
      }
      const unread = li.querySelector('.unread');
      unread.textContent = c.unread > 0 ? String(c.unread) : '';
      unread.hidden = c.unread === 0;
      const btn = li.firstChild;
      const label = `${c.kind === 'room' ? 'room ' : c.kind === 'dm' ? 'direct messages with ' : ''}${neutralise(c.name)}` +
        `${c.unread ? `, ${c.unread} unread` : ''}${c.member ? '' : ', not a member'}`;
      btn.setAttribute('aria-label', label);
      if (c.key === current) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
      if (c.kind === 'room') li.dataset.member = c.member ? 'true' : 'false';
      const want = prev ? prev.nextSibling : this.convList.firstChild;
      if (want !== li) this.convList.insertBefore(li, want);
      prev = li;
    }
    for (const [key, li] of this.convItems) {
      if (!seen.has(key)) {
        li.remove();
        this.convItems.delete(key);
      }
    }
  }

  // users: [{user, display, online, last_seen, hidden}] sorted by name.
  renderContacts(users, me) {
    const now = Date.now();
    let prev = null;
    for (const u of users) {
      let li = this.contactItems.get(u.user);
      if (!li) {
        li = document.createElement('li');
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
        this.contactItems.set(u.user, li);
      }
      li.dataset.online = u.online ? 'true' : 'false';
      const display = li.querySelector('.contact-display');
      const shown = neutralise(u.display || '');
      if (display.textContent !== shown) display.textContent = shown;
      const seenText = u.hidden ? 'hidden' : lastSeen(u.online, u.last_seen, now);
      const seen = li.querySelector('.last-seen');
      if (seen.textContent !== seenText) seen.textContent = seenText;
      li.firstChild.setAttribute('aria-label',
        `${u.user}${u.display ? ` (${shown})` : ''}, ${seenText}; open direct messages`);
      const want = prev ? prev.nextSibling : this.bookList.firstChild;
      if (want !== li) this.bookList.insertBefore(li, want);
      prev = li;
    }
  }
}
