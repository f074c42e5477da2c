// Conversations and their messages in memory: ordered by send time, deduplicated by the
// broker's message id, own unsent messages matched to their echo by `ref`.

export function convKind(key) {
  if (key === 'all') return 'all';
  return key[0] === '@' ? 'dm' : 'room';
}

export class Conversation {
  constructor(key) {
    this.key = key;
    this.kind = convKind(key);
    this.name = key === 'all' ? 'Everyone' : key.slice(1);
    this.messages = []; // oldest first
    this.ids = new Set();
    this.unread = 0;
    this.more = true; // older history may exist on the server
    this.historyLoaded = false;
    this.loadingOlder = false;
    this.member = true;
    this.topic = '';
    this.lastActivity = 0;
  }

  // The `history` command's target for this conversation.
  get historyTarget() {
    return this.kind === 'all' ? 'all' : this.kind === 'room' ? this.key : this.name;
  }

  // The oldest message with a server id (the cursor for `history ... before <id>`).
  oldestId() {
    for (const m of this.messages) if (m.id && !m.local) return m.id;
    return null;
  }

  // Inserts `msg` by time. Returns its index, or -1 for a duplicate id.
  insert(msg) {
    if (msg.id && !msg.local) {
      if (this.ids.has(msg.id)) return -1;
      this.ids.add(msg.id);
    }
    const list = this.messages;
    let i = list.length;
    while (i > 0 && list[i - 1].ts > msg.ts) i--;
    list.splice(i, 0, msg);
    if (msg.kind === 'chat' && msg.ts > this.lastActivity) this.lastActivity = msg.ts;
    return i;
  }

  // Puts a page of older history (the server's order, oldest first) right before the
  // message `id` it was asked for with `history ... before <id>`. Why not by time: messages
  // sent within one millisecond tie, and placing each by time would put the page's newest
  // ones after the cursor message (seen with 1,000 messages: swaps at every page edge).
  // Returns {at, count}, or null when `id` is no longer here (the caller falls back).
  insertBefore(msgs, id) {
    const at = this.messages.findIndex((m) => m.id === id && !m.local);
    if (at < 0) return null;
    const fresh = msgs.filter((m) => !(m.id && !m.local && this.ids.has(m.id)));
    for (const m of fresh) if (m.id && !m.local) this.ids.add(m.id);
    this.messages.splice(at, 0, ...fresh);
    return { at, count: fresh.length };
  }

  // Records a server id learnt later (from a delivery status or the echo).
  assignId(msg, id) {
    if (!id || msg.id === id) return;
    msg.id = id;
    msg.local = false;
    this.ids.add(id);
  }
}

let localCounter = 0;
// A message object. kind: chat | notice | service.
export function makeMessage(fields) {
  const m = {
    id: null, ref: null, from: '', ts: Date.now(), text: '', kind: 'chat', replayed: false,
    state: null, own: false, local: false, title: '', ...fields,
  };
  if (!m.id) {
    m.id = `local-${++localCounter}`;
    m.local = true;
  }
  return m;
}
