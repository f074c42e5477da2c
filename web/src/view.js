// The message pane: renders a window of at most MAX_NODES messages of the open
// conversation (its in-memory list can hold thousands), moves the window as the user
// scrolls, asks for older history at the top, and keeps the reading position steady.
import { clock, dayKey, dayLabel, fullTime } from './format.js';
import { renderText, textEl } from './text.js';

const PAGE = 100;
const MAX_NODES = 300;
const EDGE_PX = 300;

const STATE_LABEL = {
  sending: 'sending', sent: 'sent', queued: 'queued (offline)', delivered: 'delivered',
  refused: 'refused',
};

export class MessageView {
  // hooks: displayName(user) -> string, needOlder(conv), attachment(msg) -> element
  constructor(container, hooks) {
    this.el = container;
    this.hooks = hooks;
    this.conv = null;
    this.start = 0;
    this.end = 0;
    this.nodes = new Map(); // msg -> element, only for the rendered window
    this.el.addEventListener('scroll', () => this._onScroll(), { passive: true, signal: hooks.signal });
  }

  show(conv) {
    this.conv = conv;
    this.el.dataset.conv = conv.key;
    this.end = conv.messages.length;
    this.start = Math.max(0, this.end - PAGE);
    this._render(null);
    this.scrollToBottom();
  }

  scrollToBottom() {
    this.el.scrollTop = this.el.scrollHeight;
  }

  _nearBottom() {
    return this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80;
  }

  // A message was inserted into conv.messages at `index`.
  inserted(conv, index, { own = false } = {}) {
    if (conv !== this.conv) return;
    const len = conv.messages.length;
    const wasAtEnd = this.end === len - 1;
    if (index >= this.end && wasAtEnd) {
      const stick = own || this._nearBottom();
      // Reading further up with a full window: it is rendered when they scroll down.
      if (!stick && this.end - this.start >= MAX_NODES) return;
      this.end = len;
      const msg = conv.messages[index];
      const prev = index > 0 ? conv.messages[index - 1] : null;
      if (!prev || dayKey(prev.ts) !== dayKey(msg.ts) || this.start === index) {
        this.el.append(this._daySep(msg.ts));
      }
      this.el.append(this._node(msg));
      if (stick) {
        this._trimTop();
        this.scrollToBottom();
      }
      return;
    }
    if (index < this.start) {
      this.start++;
      this.end++;
      return;
    }
    if (index > this.end) return; // past the window while reading older messages
    this.end++;
    this._render(this._anchor());
  }

  // `count` older messages were put at the front of conv.messages (history).
  prepended(conv, count) {
    if (conv !== this.conv || count === 0) return;
    const atBottom = this._nearBottom();
    const anchor = this._anchor();
    this.start += count;
    this.end += count;
    if (this.end - this.start === 0 || this.el.scrollTop < EDGE_PX) {
      this.start = Math.max(0, this.start - PAGE);
      this.end = Math.min(this.end, this.start + MAX_NODES);
    }
    this._render(anchor);
    if (atBottom && this.end === conv.messages.length && !anchor) this.scrollToBottom();
  }

  // A merge changed messages anywhere (history after a reconnect): keep what is shown.
  refresh(conv) {
    if (conv !== this.conv) return;
    const atBottom = this._nearBottom();
    const anchor = this._anchor();
    if (atBottom) {
      this.end = conv.messages.length;
      this.start = Math.max(0, this.end - Math.max(PAGE, Math.min(MAX_NODES, this.end - this.start)));
    }
    this._render(atBottom ? null : anchor);
    if (atBottom) this.scrollToBottom();
  }

  // A message's id or delivery state changed.
  update(msg) {
    const el = this.nodes.get(msg);
    if (!el) return;
    this._applyState(el, msg);
  }

  _onScroll() {
    const conv = this.conv;
    if (!conv) return;
    if (this.el.scrollTop < EDGE_PX) {
      if (this.start > 0) {
        const anchor = this._anchor();
        this.start = Math.max(0, this.start - PAGE);
        this.end = Math.min(this.end, this.start + MAX_NODES);
        this._render(anchor);
      } else if (conv.more && !conv.loadingOlder && conv.historyLoaded) {
        this.hooks.needOlder(conv);
      }
    } else if (this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < EDGE_PX &&
               this.end < conv.messages.length) {
      const anchor = this._anchor();
      this.end = Math.min(conv.messages.length, this.end + PAGE);
      this.start = Math.max(this.start, this.end - MAX_NODES);
      this._render(anchor);
    }
  }

  // The first message element at or below the top edge, and its offset, to restore after a re-render.
  _anchor() {
    const top = this.el.scrollTop;
    for (const [msg, node] of this.nodes) {
      if (node.offsetTop + node.offsetHeight > top) return { msg, offset: node.offsetTop - top };
    }
    return null;
  }

  _trimTop() {
    if (this.end - this.start <= MAX_NODES) return;
    while (this.end - this.start > MAX_NODES) {
      const msg = this.conv.messages[this.start++];
      const node = this.nodes.get(msg);
      this.nodes.delete(msg);
      if (node) {
        const prev = node.previousElementSibling;
        node.remove();
        if (prev && prev.classList.contains('day-sep')) prev.remove();
      }
    }
    const edge = this.el.querySelector('.history-edge');
    if (edge) edge.remove();
    const first = this.el.firstElementChild;
    if (first && !first.classList.contains('day-sep') && this.start < this.end) {
      this.el.prepend(this._daySep(this.conv.messages[this.start].ts));
    }
  }

  _render(anchor) {
    const conv = this.conv;
    const frag = document.createDocumentFragment();
    // Nodes of messages still in the window are moved, not rebuilt: a window move of 100
    // then creates 100 nodes, not 300.
    const old = this.nodes;
    this.nodes = new Map();
    if (this.start === 0 && conv.historyLoaded) {
      const top = document.createElement('div');
      top.className = 'history-edge';
      top.textContent = conv.more ? 'Loading older messages…' : 'Beginning of the conversation';
      frag.append(top);
    }
    let lastDay = null;
    for (let i = this.start; i < this.end; i++) {
      const msg = conv.messages[i];
      const day = dayKey(msg.ts);
      if (day !== lastDay) {
        frag.append(this._daySep(msg.ts));
        lastDay = day;
      }
      const node = old.get(msg);
      if (node) this.nodes.set(msg, node);
      frag.append(node || this._node(msg));
    }
    this.el.replaceChildren(frag);
    if (anchor) {
      const node = this.nodes.get(anchor.msg);
      if (node) this.el.scrollTop = node.offsetTop - anchor.offset;
    }
  }

  _daySep(ts) {
    const d = document.createElement('div');
    d.className = 'day-sep';
    d.setAttribute('role', 'separator');
    const span = document.createElement('span');
    span.textContent = dayLabel(ts);
    d.append(span);
    return d;
  }

  _node(msg) {
    const el = document.createElement('div');
    el.className = 'msg';
    el.dataset.kind = msg.kind;
    el.dataset.sender = msg.from;
    if (msg.own) el.classList.add('own');
    if (msg.replayed) el.dataset.replayed = 'true';
    const head = document.createElement('div');
    head.className = 'msg-head';
    const sender = textEl('span', 'sender', msg.kind === 'chat' ? msg.from : msg.from || 'imchat');
    const display = textEl('span', 'display-name', msg.kind === 'chat' ? this.hooks.displayName(msg.from) : '');
    const time = document.createElement('time');
    time.className = 'time';
    time.dateTime = new Date(msg.ts).toISOString();
    time.title = fullTime(msg.ts);
    time.textContent = clock(msg.ts);
    head.append(sender, display, time);
    if (msg.replayed) {
      const tag = document.createElement('span');
      tag.className = 'tag replayed';
      tag.textContent = 'while you were away';
      head.append(tag);
    }
    const state = document.createElement('span');
    state.className = 'state';
    head.append(state);
    const text = document.createElement('div');
    text.className = 'text';
    text.dir = 'auto';
    renderText(text, msg.text);
    el.append(head, text);
    if (msg.file && this.hooks.attachment) el.append(this.hooks.attachment(msg));
    this._applyState(el, msg);
    this.nodes.set(msg, el);
    return el;
  }

  _applyState(el, msg) {
    if (!msg.local) el.dataset.id = msg.id;
    else delete el.dataset.id;
    if (msg.state) el.dataset.state = msg.state;
    else delete el.dataset.state;
    el.classList.toggle('pending', msg.local && msg.own);
    const state = el.querySelector('.state');
    if (state) {
      state.textContent = msg.state ? STATE_LABEL[msg.state] || msg.state : '';
      state.title = msg.title || '';
    }
  }
}
