// The signed-in chat: routes MQTT messages into conversations, sends what the user types
// (held while offline and sent once, in order, on reconnect), tracks unread counts and
// delivery states, and drives the sidebar and the message pane.
import { parseLine, helpText } from './commands.js';
import { Conversation, makeMessage } from './store.js';
import { MessageView } from './view.js';
import { Sidebar } from './sidebar.js';
import { handleService } from './service.js';
import { setBadge, notify } from './notify.js';
import { neutralise } from './text.js';
import { Files, fileOf } from './files.js';
import { FileView } from './file_view.js';

const HISTORY_FIRST = 50;
const HISTORY_PAGE = 200;

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Chat {
  constructor(me, ui) {
    this.me = me;
    this.ui = ui;
    this.conn = null;
    this.convs = new Map();
    this.current = 'all';
    this.users = new Map(); // name -> {user, display, online, last_seen, hidden}
    this.pending = []; // sent commands waiting for their reply: {verb, ctx}
    this.outbox = []; // held while offline: {topic, text, ref, msg, conv}
    this.byRef = new Map(); // ref -> {msg, conv} of own messages without a final state
    this.byId = new Map(); // id -> {msg, conv} of own DMs (for statuses naming ids)
    this.refCounter = 0;
    this.refPrefix = `w${Math.random().toString(36).slice(2, 8)}`;
    this.mention = new RegExp(`(^|[^A-Za-z0-9_.-])@?${escapeRe(me)}(?![A-Za-z0-9_-])`, 'i');
    this.abort = new AbortController(); // ends every listener of this chat (dispose)
    const signal = this.abort.signal;
    this.files = new Files(this, { changed: (t) => this.fileView.changed(t) });
    this.fileView = new FileView(this.files, ui.transfers);
    this.view = new MessageView(ui.messages, {
      signal,
      attachment: (msg) => this.fileView.attachment(msg),
      displayName: (u) => neutralise(this.users.get(u)?.display || ''),
      needOlder: (conv) => this.loadOlder(conv),
    });
    this.sidebar = new Sidebar(ui.conversations, ui.addressBook, { open: (k) => this.open(k), signal });
    this.conv('all');
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.markRead(this.conv(this.current));
    }, { signal });
    window.addEventListener('focus', () => this.markRead(this.conv(this.current)), { signal });
  }

  // After a refused login: this chat's listeners go, the lists are emptied.
  dispose() {
    this.abort.abort();
    this.ui.conversations.replaceChildren();
    this.ui.addressBook.replaceChildren();
    this.ui.messages.replaceChildren();
  }

  // --- conversations
  conv(key) {
    let c = this.convs.get(key);
    if (!c) {
      c = new Conversation(key);
      this.convs.set(key, c);
      this.scheduleSidebar();
    }
    return c;
  }

  open(key) {
    if (key.startsWith('@') && key.length < 2) return;
    const c = this.conv(key);
    this.current = key;
    this.view.show(c);
    this.markRead(c);
    this.ui.onOpen(c);
    if (!c.historyLoaded) this.requestHistory(c, HISTORY_FIRST);
    this.scheduleSidebar();
  }

  markRead(c) {
    if (c.key !== this.current || document.hidden || c.unread === 0) return;
    c.unread = 0;
    this.scheduleSidebar();
  }

  sortedConvs() {
    const rank = { all: 0, room: 1, dm: 2 };
    return [...this.convs.values()].sort((a, b) => rank[a.kind] - rank[b.kind] ||
      (a.kind === 'dm' ? b.lastActivity - a.lastActivity : 0) || a.name.localeCompare(b.name));
  }

  scheduleSidebar() {
    if (this.sidebarQueued) return;
    this.sidebarQueued = true;
    const run = () => {
      if (!this.sidebarQueued) return;
      this.sidebarQueued = false;
      if (this.abort.signal.aborted) return;
      this.sidebar.renderConversations(this.sortedConvs(), this.current);
      let total = 0;
      for (const c of this.convs.values()) total += c.unread;
      setBadge(total);
    };
    requestAnimationFrame(run);
    // A background tab gets no frames, and that is where the title badge matters most (the
    // tab strip shows it): a timer too, whichever comes first (seen: no badge while hidden).
    setTimeout(run, 250);
  }

  scheduleContacts() {
    if (this.contactsQueued) return;
    this.contactsQueued = true;
    setTimeout(() => {
      this.contactsQueued = false;
      if (this.abort.signal.aborted) return;
      const list = [...this.users.values()].sort((a, b) => (a.user < b.user ? -1 : 1));
      this.sidebar.renderContacts(list, this.me);
    }, 50);
  }

  user(name) {
    let u = this.users.get(name);
    if (!u) {
      u = { user: name, display: '', online: false, last_seen: null, hidden: false };
      this.users.set(name, u);
    }
    return u;
  }

  // --- adding messages
  add(conv, msg, { notifyMe = false } = {}) {
    const index = conv.insert(msg);
    if (index < 0) return false;
    this.view.inserted(conv, index, { own: msg.own });
    if (msg.kind === 'chat' && !msg.own && !msg.history) {
      const visible = conv.key === this.current && !document.hidden;
      if (!visible) conv.unread++;
      const mentioned = this.mention.test(msg.text);
      if ((notifyMe || mentioned) && !visible) {
        notify(conv.kind === 'dm' ? `${msg.from} (direct)` : `${msg.from} in ${conv.name}`,
          neutralise(msg.text), conv.key, () => this.open(conv.key));
      }
      this.scheduleSidebar();
    } else if (msg.kind === 'chat') {
      this.scheduleSidebar();
    }
    return true;
  }

  // A line from the service or the app itself, in the open conversation (or `key`).
  say(text, kind = 'service', key = this.current, extra = {}) {
    this.add(this.conv(key), makeMessage({ kind, text, from: '', ...extra }));
  }

  // --- MQTT in
  onMessage(topic, text, props, retained, bytes) {
    const parts = topic.split('/');
    if (parts[0] !== 'im') return;
    const ts = Number(props.ts) || Date.now();
    const base = { id: props.id || null, ts, text, replayed: props.queued === '1' };
    switch (parts[1]) {
      case 'all':
        if (parts.length === 3) this.chatIn(this.conv('all'), { ...base, from: parts[2] }, props);
        break;
      case 'user': {
        if (parts.length !== 4) break;
        const [to, from] = [parts[2], parts[3]];
        if (to === this.me) {
          this.chatIn(this.conv(`@${from}`), { ...base, from }, props, true);
        } else if (from === this.me) {
          // Carbon: a DM this user sent, maybe from another device.
          this.chatIn(this.conv(`@${to}`), { ...base, from, state: 'sent' }, props);
        }
        break;
      }
      case 'room':
        if (parts.length === 4) this.chatIn(this.conv(`#${parts[2]}`), { ...base, from: parts[3] }, props);
        break;
      case 'down': // a file chunk: im/down/<me>/<file>/<offset>
        if (parts.length === 5 && parts[2] === this.me) this.files.onChunk(parts[3], Number(parts[4]), bytes);
        break;
      case 'presence':
        this.presenceIn(parts[2], text, retained);
        break;
      case 'online':
        this.onlineIn(text);
        break;
      case 'roominfo':
        this.roomInfoIn(parts[2], text, retained);
        break;
      case 'svc':
        try {
          handleService(this, JSON.parse(text));
        } catch (e) {
          console.warn('bad service message', e);
        }
        break;
      default:
    }
  }

  chatIn(conv, fields, props, direct = false) {
    const own = fields.from === this.me;
    // My own message coming back (echo or carbon): settle the local copy, matched by ref.
    const ref = props.ref;
    if (own && ref && this.byRef.has(ref)) {
      const { msg, conv: c } = this.byRef.get(ref);
      c.assignId(msg, fields.id);
      if (c.kind !== 'dm') {
        msg.state = null;
        this.byRef.delete(ref);
      } else if (!msg.state || msg.state === 'sending') {
        msg.state = 'sent';
      }
      if (msg.id) this.byId.set(msg.id, { msg, conv: c });
      this.view.update(msg);
      return;
    }
    const msg = makeMessage({ ...fields, own, kind: 'chat', file: fileOf(props, fields.text) });
    if (own && conv.kind === 'dm' && msg.id) this.byId.set(msg.id, { msg, conv });
    if (!own || conv.kind === 'dm') {
      if (!own) msg.state = null;
    }
    this.add(conv, msg, { notifyMe: direct });
  }

  presenceIn(name, text, retained) {
    let p;
    try {
      p = JSON.parse(text);
    } catch {
      return;
    }
    if (!p || !name) return;
    const u = this.user(name);
    const was = u.online;
    u.online = !!p.online;
    u.display = typeof p.display === 'string' ? p.display : u.display;
    u.last_seen = p.online ? Date.now() : p.since || u.last_seen;
    if (!retained && was !== u.online && name !== this.me) {
      const why = !p.online && p.reason && p.reason !== 'quit' ? ` (${p.reason})` : '';
      this.say(`${name} ${p.online ? 'joined' : `left${why}`}`, 'notice', 'all',
        { from: name, ts: p.since || Date.now() });
    }
    this.scheduleContacts();
  }

  onlineIn(text) {
    let names;
    try {
      names = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(names)) return;
    const set = new Set(names);
    for (const n of names) this.user(n).online = true;
    for (const u of this.users.values()) if (!set.has(u.user) && u.online) u.online = false;
    this.scheduleContacts();
  }

  roomInfoIn(room, text, retained) {
    if (!room) return;
    const key = `#${room}`;
    if (!text) {
      const c = this.convs.get(key);
      if (c) {
        c.member = false;
        if (!retained) this.say(`#${room} was closed`, 'notice', key);
        this.roomChanged(c);
      }
      return;
    }
    let info;
    try {
      info = JSON.parse(text);
    } catch {
      return;
    }
    const c = this.conv(key);
    c.member = true;
    c.topic = info.topic || '';
    c.info = info;
    const ev = info.event;
    if (!retained && ev && ev.type) {
      const who = ev.user || '';
      const by = ev.by && ev.by !== who ? ` (by ${ev.by})` : '';
      const line = {
        create: `${who || ev.by} created #${room}`,
        join: `${who} joined #${room}`,
        leave: `${who} left #${room}`,
        kick: `${who} was removed from #${room}${by}`,
        invite: `${who} was added to #${room}${by}`,
        topic: `${ev.by || who} set the topic: ${info.topic || '(none)'}`,
      }[ev.type];
      if (line) this.say(line, 'notice', key, { from: who || ev.by || '' });
      if (ev.type === 'kick' && who === this.me) c.member = false;
    }
    this.roomChanged(c);
  }

  roomChanged(c) {
    this.scheduleSidebar();
    if (c.key === this.current) this.ui.onOpen(c);
  }

  // --- history
  requestHistory(conv, n, before = null) {
    if (conv.kind === 'room' && !conv.member) return;
    const line = `history ${conv.historyTarget} ${n}${before ? ` before ${before}` : ''}`;
    if (before) conv.loadingOlder = true;
    this.command(line, { verb: 'history', conv, n, before, silent: true });
  }

  loadOlder(conv) {
    const oldest = conv.oldestId();
    if (!oldest) {
      conv.more = false;
      return;
    }
    this.requestHistory(conv, HISTORY_PAGE, oldest);
  }

  // --- out
  nextRef() {
    return `${this.refPrefix}-${++this.refCounter}`;
  }

  submit(line) {
    const action = parseLine(line, this.current);
    switch (action.type) {
      case 'send':
        return this.send(action.target, action.text);
      case 'cmd': {
        // Joining a room I am in already just opens it (typed, or a stale Join button).
        const room = action.verb === 'join' && /^#?([^\s#]+)$/.exec(action.arg);
        if (room && this.convs.get(`#${room[1]}`)?.member) return this.open(`#${room[1]}`);
        return this.command(action.line, { verb: action.verb, arg: action.arg, show: true });
      }
      case 'open':
        return this.open(action.target);
      case 'help':
        this.say(helpText());
        return this.command('help', { verb: 'help', show: false, silent: true });
      case 'quit':
        return this.ui.logout();
      default:
        return this.say(action.text, 'service', this.current, { error: true });
    }
  }

  send(key, text) {
    if (!text.trim()) return;
    const conv = this.conv(key);
    if (conv.kind === 'room' && !conv.member) {
      this.say(`you are not a member of ${key}; /join ${conv.name} first`, 'service', key);
      return;
    }
    if (key !== this.current) this.open(key);
    const topic = conv.kind === 'all' ? 'im/all' : conv.kind === 'dm' ? `im/user/${conv.name}` : `im/room/${conv.name}`;
    const ref = this.nextRef();
    const msg = makeMessage({ from: this.me, text, own: true, ref,
      state: conv.kind === 'dm' ? 'sending' : null });
    this.byRef.set(ref, { msg, conv });
    this.add(conv, msg);
    this.transmit({ topic, text, ref, msg, conv });
  }

  // The message announcing an uploaded file: the `done` reply's text and the file's user
  // properties (topics.md "Files"). No membership check here: the service took the upload.
  sendFile(key, text, props) {
    const conv = this.conv(key);
    const topic = conv.kind === 'all' ? 'im/all' : conv.kind === 'dm' ? `im/user/${conv.name}` : `im/room/${conv.name}`;
    const ref = this.nextRef();
    const msg = makeMessage({ from: this.me, text, own: true, ref, file: fileOf(props, text),
      state: conv.kind === 'dm' ? 'sending' : null });
    this.byRef.set(ref, { msg, conv });
    this.add(conv, msg);
    this.transmit({ topic, text, ref, msg, conv, props });
  }

  command(line, ctx) {
    this.pending.push(ctx);
    this.transmit({ topic: `im/cmd/${this.me}`, text: line, ctx });
  }

  // Publishes now when ready, else holds it (in order) until the next connect.
  transmit(item) {
    if (!this.conn || !this.conn.ready || this.outbox.length) {
      this.outbox.push(item);
      return;
    }
    this.publish(item);
  }

  publish(item) {
    this.conn.publish(item.topic, item.text, item.ref, item.props).then(() => {
      const m = item.msg;
      if (m && m.state === 'sending') {
        m.state = 'sent';
        this.view.update(m);
      }
    }, (err) => {
      const code = err && (err.code ?? err.reasonCode);
      if (item.msg && typeof code === 'number') {
        item.msg.state = item.conv.kind === 'dm' ? 'refused' : null;
        item.msg.title = `refused by the server (reason 0x${code.toString(16)})`;
        this.view.update(item.msg);
        if (item.conv.kind !== 'dm') this.say(`not sent: ${item.msg.title}`, 'service', item.conv.key);
      }
      // Otherwise the connection dropped: MQTT.js resends it after the reconnect.
    });
  }

  // --- connection events
  onReady(first) {
    const held = this.outbox;
    this.outbox = [];
    if (!first) this.pending = this.pending.filter((p) => held.some((h) => h.ctx === p));
    // What was typed offline goes first, in the order it was typed.
    for (const item of held) this.publish(item);
    if (!first) this.files.resume();
    if (first) {
      this.command('users', { verb: 'users', silent: true });
      this.command('rooms', { verb: 'rooms', silent: true });
    } else {
      // What came in meanwhile: history of each loaded conversation again, merged by id.
      for (const c of this.convs.values()) {
        if (c.historyLoaded) this.requestHistory(c, HISTORY_FIRST);
      }
      this.command('users', { verb: 'users', silent: true });
    }
    if (first) this.open(this.current);
  }
}
