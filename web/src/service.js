// Messages on im/svc/<me>: command replies (matched to the command that asked, by verb and
// order), the welcome, delivery statuses of own messages, and room notices.
import { makeMessage } from './store.js';
import { fileOf } from './files.js';

function takePending(chat, verb) {
  const i = chat.pending.findIndex((p) => p.verb === verb);
  return i < 0 ? {} : chat.pending.splice(i, 1)[0];
}

export function handleService(chat, j) {
  if (!j || typeof j !== 'object') return;
  switch (j.type) {
    case 'reply':
      return reply(chat, j, takePending(chat, j.cmd));
    case 'welcome':
      // Once per page: a reconnect's welcome would repeat it in the middle of the chat.
      if (chat.welcomed) return undefined;
      chat.welcomed = true;
      return chat.say(j.text || 'Welcome!', 'service', 'all');
    case 'status':
      return status(chat, j);
    case 'notice':
      return notice(chat, j);
    case 'upload':
      return chat.files.onUploadEvent(j);
    case 'fetch':
      return chat.files.onFetchEvent(j);
    default:
  }
}

// topics.md, "Rooms": the `join` refusal for a member.
const ALREADY_MEMBER = /^you are already a member of #(\S+)$/;

function reply(chat, j, ctx) {
  if (j.cmd === 'upload' || j.cmd === 'fetch') return chat.files.onReply(j, ctx);
  const member = j.cmd === 'join' && !j.ok && ALREADY_MEMBER.exec(j.error || '');
  if (member) {
    // This page did not know (it joined from another device meanwhile): open the room.
    const c = chat.conv(`#${member[1]}`);
    c.member = true;
    chat.open(c.key);
    return;
  }
  if (!j.ok) {
    if (ctx.verb === 'history' && ctx.before) {
      // A server without the history cursor: no older pages.
      ctx.conv.more = false;
      ctx.conv.loadingOlder = false;
      chat.view.refresh(ctx.conv);
      return;
    }
    if (!ctx.silent || ctx.show) chat.say(j.error || j.text || 'the command failed', 'service', chat.current, { error: true });
    return;
  }
  switch (j.cmd) {
    case 'history':
      history(chat, j, ctx);
      break;
    case 'users':
      for (const u of j.users || []) {
        const rec = chat.user(u.user);
        Object.assign(rec, { display: u.display || '', online: !!u.online, last_seen: u.last_seen,
          hidden: !!u.hidden });
      }
      chat.scheduleContacts();
      if (!ctx.arg && j.page && j.pages && j.page < j.pages) {
        chat.command(`users ${j.page + 1}`, { verb: 'users', silent: !ctx.show, arg: `${j.page + 1}` });
      }
      break;
    case 'rooms':
      if (!ctx.arg) {
        for (const r of j.rooms || []) {
          const c = chat.conv(`#${r.room}`);
          c.member = true;
          c.topic = r.topic || c.topic;
        }
        chat.scheduleSidebar();
      }
      break;
    case 'create':
    case 'join':
      if (j.room) {
        const c = chat.conv(`#${j.room}`);
        c.member = true;
        if (j.topic) c.topic = j.topic;
        c.historyLoaded = false;
        chat.open(c.key);
      }
      break;
    case 'leave':
      if (j.room) {
        const c = chat.conv(`#${j.room}`);
        c.member = false;
        chat.roomChanged(c);
      }
      break;
    case 'nick':
      chat.user(chat.me).display = j.display || '';
      chat.scheduleContacts();
      break;
    case 'block':
    case 'unblock':
      chat.command('users', { verb: 'users', silent: true });
      break;
    default:
  }
  if (ctx.show) chat.say(j.text || `${j.cmd}: ok`);
}

function history(chat, j, ctx) {
  const conv = ctx.conv || (j.room ? chat.conv(`#${j.room}`) : null);
  const list = Array.isArray(j.messages) ? j.messages : [];
  if (!conv) return;
  conv.loadingOlder = false;
  const wasLoaded = conv.historyLoaded;
  conv.historyLoaded = true;
  if (typeof j.more === 'boolean') conv.more = j.more;
  else if (ctx.n) conv.more = list.length >= ctx.n;
  const firstBefore = conv.messages.length ? conv.messages[0].ts : Infinity;
  const page = [];
  for (const h of list) {
    if (!h || !h.id) continue;
    if (conv.ids.has(h.id)) continue;
    const own = h.from === chat.me;
    const msg = makeMessage({ id: h.id, from: h.from, ts: Number(h.ts) || 0, text: h.text ?? '',
      own, history: true, state: own && conv.kind === 'dm' ? 'sent' : null,
      file: fileOf(null, h.text) });
    // Own messages still waiting for their id are matched by text and closeness in time.
    if (own && settledByHistory(chat, conv, msg)) continue;
    page.push(msg);
  }
  let older = 0;
  let other = 0;
  // A page asked for with a cursor goes right before the cursor's message, in the server's
  // order; anything else (the newest page, a merge after a reconnect) is placed by time.
  const placed = ctx.before ? conv.insertBefore(page, ctx.before) : null;
  if (placed && placed.at === 0) older = placed.count;
  else if (placed) other = placed.count;
  else {
    for (const msg of page) {
      if (conv.insert(msg) < 0) continue;
      if (msg.ts < firstBefore) older++;
      else other++;
    }
  }
  if (!wasLoaded && conv.key === chat.current && !performance.getEntriesByName('imchat-first-conversation').length) {
    chat.view.refresh(conv);
    performance.mark('imchat-first-conversation'); // for the figures (web/bench)
  } else if (other > 0 || !wasLoaded) chat.view.refresh(conv);
  else if (older > 0) chat.view.prepended(conv, older);
  else chat.view.refresh(conv);
  chat.scheduleSidebar();
}

function settledByHistory(chat, conv, msg) {
  for (const [ref, { msg: m, conv: c }] of chat.byRef) {
    if (c === conv && m.local && m.text === msg.text && Math.abs(m.ts - msg.ts) < 60000) {
      c.assignId(m, msg.id);
      if (c.kind !== 'dm') chat.byRef.delete(ref);
      chat.view.update(m);
      return true;
    }
  }
  return false;
}

const FINAL = { delivered: 3, refused: 3, queued: 2, sent: 1, sending: 0 };

function setState(chat, entry, state, title) {
  if (!entry) return;
  const { msg, conv } = entry;
  if (conv.kind !== 'dm') {
    msg.title = title || msg.title;
    chat.view.update(msg);
    return;
  }
  if ((FINAL[state] ?? 0) < (FINAL[msg.state] ?? 0)) return; // never go back (delivered -> queued)
  msg.state = state;
  msg.title = title || '';
  chat.view.update(msg);
}

function status(chat, j) {
  const ids = Array.isArray(j.ids) ? j.ids : j.id ? [j.id] : [];
  const refs = Array.isArray(j.refs) ? j.refs : j.ref ? [j.ref] : [];
  const title = j.reason ? `${j.text || j.status}: ${j.reason}` : j.text || '';
  ids.forEach((id, i) => {
    const ref = refs[i];
    let entry = ref ? chat.byRef.get(ref) : null;
    if (entry) entry.conv.assignId(entry.msg, id);
    else entry = chat.byId.get(id);
    if (entry) {
      chat.byId.set(id, entry);
      setState(chat, entry, j.status, title);
    }
  });
  if (!ids.length && refs.length) refs.forEach((r) => setState(chat, chat.byRef.get(r), j.status, title));
  if (j.status === 'refused') {
    const where = j.room ? `#${j.room}` : j.to ? `@${j.to}` : chat.current;
    chat.say(`not delivered: ${j.text || j.reason || 'refused'}`, 'service', chat.convs.has(where) ? where : chat.current);
  }
}

function notice(chat, j) {
  const key = j.room ? `#${j.room}` : chat.current;
  if (j.event === 'invited' && j.room) {
    const c = chat.conv(key);
    c.member = true;
    chat.roomChanged(c);
  } else if (j.event === 'kicked' && j.room) {
    const c = chat.conv(key);
    c.member = false;
    chat.roomChanged(c);
  }
  chat.say(j.text || j.event || 'notice', j.room ? 'notice' : 'service', key);
}
