// One MQTT 5 session over the gateway's WebSocket (/mqtt): login, the subscriptions in the
// order topics.md asks for (rooms before the inbox, whose subscription starts the replays),
// the optional carbons filter, and reconnecting with exponential backoff. The password lives
// only in this object's memory (MQTT.js's options), never in storage.
// Several devices (topics.md): each command carries this page's random correlation data, and
// an answer on im/svc/<me> carrying another value was asked for by another device of the
// user: it is dropped here. Answers without one (welcome, statuses, notices) reach every page.
import mqtt from 'mqtt';
import { workerTimer } from './worker_timer.js';

// CONNACK reason codes (MQTT 5) that mean "this name/password is not accepted".
const REFUSED = new Set([0x86, 0x87, 0x8c]);
// publishChunk waits while the WebSocket holds more than this unsent.
const SEND_BUFFER_BYTES = 256 * 1024;
export const REFUSAL_TEXT =
  'wrong name or password, or the name is locked for a while after 3 failed tries';

export function brokerUrl(loc = window.location) {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/mqtt`;
}

function randomId() {
  const a = new Uint8Array(6);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Connection {
  // handlers: onState(state), onReady(firstTime), onMessage(topic, text, props, retained),
  // onRefused(text, everConnected), onUnreachable(text)
  constructor(user, password, handlers, url = brokerUrl()) {
    this.user = user;
    this.handlers = handlers;
    this.connected = false;
    this.ready = false;
    this.everReady = false;
    this.ended = false;
    this.carbons = null; // null = unknown, true/false after the SUBACK
    this.backoff = 1000;
    this.retryTimer = null;
    this.chunks = []; // [topic, bytes] waiting for publishChunk's pump
    this.pumping = false;
    this.device = `web-${randomId()}${randomId()}`; // for the whole page, reconnects included
    this.client = mqtt.connect(url, {
      protocolVersion: 5,
      username: user,
      password,
      clientId: `web-${user}-${randomId()}`.slice(0, 64),
      clean: true,
      keepalive: 30,
      connectTimeout: 10000,
      reconnectPeriod: 0, // reconnects are ours: backoff, and none after a refusal
      resubscribe: false, // subscriptions are redone in order on every connect
      queueQoSZero: false,
      timerVariant: workerTimer,
      wsOptions: { protocol: 'mqtt' },
    });
    this.client.on('connect', () => this._connected());
    this.client.on('message', (topic, payload, packet) => this._message(topic, payload, packet));
    this.client.on('error', (err) => this._error(err));
    this.client.on('close', () => this._closed());
    this.handlers.onState('connecting');
  }

  _connected() {
    this.connected = true;
    this.backoff = 1000;
    const me = this.user;
    const base = [`im/svc/${me}`, 'im/all/+', 'im/presence/+', 'im/online', 'im/room/+/+',
      'im/roominfo/+'];
    this.client.subscribe(base, { qos: 1 }, (err) => {
      if (err) return; // the connection went away; the next connect starts over
      // Carbons: DMs this user sent from other devices. A server without them refuses
      // the filter (SUBACK 0x87) and we go on without.
      this.client.subscribe(`im/user/+/${me}`, { qos: 1 }, (err2, granted) => {
        this.carbons = !err2 && !!granted && granted.every((g) => g.qos < 0x80);
        this.client.subscribe(`im/user/${me}/+`, { qos: 1 }, (err3) => {
          if (err3) return;
          this.ready = true;
          const first = !this.everReady;
          this.everReady = true;
          this.handlers.onState('online');
          this.handlers.onReady(first);
        });
      });
    });
  }

  // True for an answer to a command another device of this user sent.
  _forAnotherDevice(topic, packet) {
    const corr = packet.properties && packet.properties.correlationData;
    if (!corr || !corr.length || topic !== `im/svc/${this.user}`) return false;
    return new TextDecoder('utf-8', { fatal: false }).decode(corr) !== this.device;
  }

  _message(topic, payload, packet) {
    if (this._forAnotherDevice(topic, packet)) return;
    const props = {};
    const up = packet.properties && packet.properties.userProperties;
    if (up) {
      for (const [k, v] of Object.entries(up)) props[k] = Array.isArray(v) ? v[v.length - 1] : v;
    }
    // File chunks (im/down/<me>/<file>/<offset>) stay bytes.
    if (topic.startsWith('im/down/')) {
      this.handlers.onMessage(topic, '', props, !!packet.retain, new Uint8Array(payload));
      return;
    }
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: false }).decode(payload);
    } catch {
      text = '';
    }
    this.handlers.onMessage(topic, text, props, !!packet.retain);
  }

  _error(err) {
    const code = err && (err.code ?? err.reasonCode);
    if (REFUSED.has(code)) {
      this.ended = true;
      this.client.end(true);
      this.handlers.onRefused(REFUSAL_TEXT, this.everReady);
    }
  }

  _closed() {
    const wasReady = this.ready;
    this.connected = false;
    this.ready = false;
    this.chunks = [];
    if (this.ended) {
      this.handlers.onState('offline');
      return;
    }
    if (!this.everReady && !wasReady && this.handlers.onUnreachable && this.backoff === 1000) {
      this.handlers.onUnreachable(`cannot reach the chat server at ${brokerUrl()}; retrying`);
    }
    this.handlers.onState('connecting');
    this._scheduleRetry();
  }

  _scheduleRetry() {
    if (this.retryTimer || this.ended) return;
    // Exponential backoff with jitter: 1 s, 2 s, 4 s ... at most 30 s.
    const delay = this.backoff * (0.75 + Math.random() * 0.5);
    this.backoff = Math.min(this.backoff * 2, 30000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.ended && !this.client.connected) this.client.reconnect();
    }, delay);
  }

  // Reconnects at once (the browser came back online, the user asked).
  retryNow() {
    if (this.ended || this.client.connected) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.backoff = 1000;
    this.client.reconnect();
  }

  // Publishes at QoS 1 (`payload` text or bytes, `props` more user properties); resolves
  // with the PUBACK, rejects with the reason code on a refusal.
  publish(topic, payload, ref, props) {
    return new Promise((resolve, reject) => {
      const opts = { qos: 1 };
      const userProperties = { ...props, ...(ref ? { ref } : {}) };
      const properties = {};
      if (Object.keys(userProperties).length) properties.userProperties = userProperties;
      if (topic === `im/cmd/${this.user}`) properties.correlationData = this.device;
      if (Object.keys(properties).length) opts.properties = properties;
      this.client.publish(topic, payload, opts, (err) => (err ? reject(err) : resolve()));
    });
  }

  // Publishes file chunks one at a time, each in its own task and only while the socket's
  // send buffer is short. Why: MQTT.js joins the packets written in one tick, or while the
  // socket is backed up, into one WebSocket message, and the gateway closes a connection
  // whose message exceeds the largest MQTT payload plus header slack (seen: a window of 16
  // chunks sent as one 1 MiB message, closed with 1009). Chunks still queued when the
  // connection drops are dropped: the upload resumes from the service's offset.
  publishChunk(topic, bytes) {
    this.chunks.push([topic, bytes]);
    if (!this.pumping) {
      this.pumping = true;
      this._pump();
    }
  }

  // Forgets the chunks not yet published whose topic starts with `prefix` (an upload that
  // goes on from another offset).
  dropChunks(prefix) {
    this.chunks = this.chunks.filter(([t]) => !t.startsWith(prefix));
  }

  _pump() {
    if (!this.ready) this.chunks = [];
    if (!this.chunks.length) {
      this.pumping = false;
      return;
    }
    const socket = this.client.stream && this.client.stream.socket;
    if (socket && socket.readyState !== 1) { // closing: MQTT.js learns it a little later
      this.chunks = [];
      this.pumping = false;
      return;
    }
    if (socket && socket.bufferedAmount > SEND_BUFFER_BYTES) {
      setTimeout(() => this._pump(), 10);
      return;
    }
    const [topic, bytes] = this.chunks.shift();
    this.client.publish(topic, bytes, { qos: 1 }, () => {});
    setTimeout(() => this._pump(), 0);
  }

  // A QoS 1 subscription of this connection only (downloads): a reconnect drops it.
  subscribe(filter) {
    this.client.subscribe(filter, { qos: 1 });
  }

  unsubscribe(filter) {
    if (this.client.connected) this.client.unsubscribe(filter);
  }

  end() {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.client.end(false);
  }
}
