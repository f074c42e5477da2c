// Files and images (topics.md "Files"): uploads from the composer (hash, `upload`, chunks
// within the service's window, the file message with its user properties), downloads
// (`fetch`, chunks confirmed with `fetch-ack`, the SHA-256 checked before anything is shown
// or saved), and both resumed after a reconnect from the offset the service or the browser
// holds. The rules on sizes, quotas and who may fetch live in the service; this module shows
// its refusals as they come.
import { humanSize } from './format.js';

export const FILE_ID_RE = /^[0-9a-f]{32}$/;
const SHA_RE = /^[0-9a-f]{64}$/;
// The service's file message text (FileMessageText in auth-service/core/file_names.cpp):
// "sent a file: <name> (<size>) [file <id>]".
const FILE_TEXT = /^sent a file: ([^]*) \(\d+(?:\.\d)? [kMGT]?B\) \[file ([0-9a-f]{32})\]$/;
const MIME_RE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
// Images shown inline and in the viewer (never SVG: it can carry script).
export const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
// The web client holds a file in memory to hash it (crypto.subtle has no streaming digest).
const WEB_MAX_BYTES = 256 * 1024 * 1024;
const THUMB_SIDES = [160, 120, 96, 64];
const THUMB_QUALITIES = [0.8, 0.6, 0.4, 0.25];
export const THUMB_MAX_BYTES = 4096;
const NAME_MAX_BYTES = 255;
const STALL_MS = 10000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export async function sha256Hex(data) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// The magic bytes each thumbnail type must start with.
const MAGIC = {
  'image/jpeg': [[0, [0xff, 0xd8, 0xff]]],
  'image/png': [[0, [0x89, 0x50, 0x4e, 0x47]]],
  'image/webp': [[0, [0x52, 0x49, 0x46, 0x46]], [8, [0x57, 0x45, 0x42, 0x50]]],
};

// A data: URL for a `thumb` property, or null unless it is plain base64 of at most ~6 KiB
// whose bytes start like the named image type.
export function thumbUrl(b64, mime) {
  if (typeof b64 !== 'string' || !MAGIC[mime] || b64.length > 8192 || b64.length % 4) return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  let bin;
  try {
    bin = atob(b64);
  } catch {
    return null;
  }
  for (const [at, bytes] of MAGIC[mime]) {
    if (bytes.some((b, i) => bin.charCodeAt(at + i) !== b)) return null;
  }
  return `data:${mime};base64,${b64}`;
}

// What a chat message says about a file: from its user properties when they came, else the
// `[file <id>]` in its text (history and some replays carry no properties).
export function fileOf(props, text) {
  const id = props && props.file;
  if (typeof id === 'string' && FILE_ID_RE.test(id)) {
    const size = Number(props.size);
    const mime = typeof props.mime === 'string' ? props.mime.toLowerCase() : '';
    return {
      id,
      name: typeof props.name === 'string' ? props.name.slice(0, 255) : '',
      mime: MIME_RE.test(mime) ? mime : '',
      size: props.size !== undefined && Number.isSafeInteger(size) && size >= 0 ? size : null,
      sha256: SHA_RE.test(props.sha256 || '') ? props.sha256 : null,
      thumb: IMAGE_TYPES.has(mime) ? thumbUrl(props.thumb, props.thumb_mime) : null,
    };
  }
  const m = FILE_TEXT.exec(text || '');
  return m ? { id: m[2], name: m[1], mime: '', size: null, sha256: null, thumb: null } : null;
}

// A name the `upload` line can carry: no control characters, at most 255 bytes of UTF-8.
export function uploadName(raw) {
  let name = String(raw || '').replace(CONTROL, '_').trim() || 'file';
  const enc = new TextEncoder();
  while (enc.encode(name).length > NAME_MAX_BYTES) name = [...name].slice(0, -1).join('');
  return name;
}

// A small JPEG or WebP of the image: the longest side at most 160 px, at most 4 KiB (smaller
// and rougher until it fits). Null when the browser cannot decode it.
export async function makeThumb(file) {
  let bmp;
  try {
    bmp = await createImageBitmap(file);
  } catch {
    return null;
  }
  let type = 'image/webp';
  try {
    for (const side of THUMB_SIDES) {
      const scale = Math.min(1, side / Math.max(bmp.width, bmp.height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(bmp.width * scale));
      canvas.height = Math.max(1, Math.round(bmp.height * scale));
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff'; // JPEG has no transparency
      g.fillRect(0, 0, canvas.width, canvas.height);
      g.drawImage(bmp, 0, 0, canvas.width, canvas.height);
      for (const q of THUMB_QUALITIES) {
        let blob = await new Promise((r) => canvas.toBlob(r, type, q));
        if (blob && blob.type !== type) { // no WebP encoder here: JPEG
          type = 'image/jpeg';
          blob = await new Promise((r) => canvas.toBlob(r, type, q));
        }
        if (blob && blob.type === type && blob.size <= THUMB_MAX_BYTES) {
          return { thumb: base64(new Uint8Array(await blob.arrayBuffer())), thumb_mime: type };
        }
      }
    }
  } finally {
    bmp.close();
  }
  return null;
}

export class Files {
  // hooks: changed(transfer) after any change of an upload or a download
  constructor(chat, hooks) {
    this.chat = chat;
    this.hooks = hooks;
    this.uploads = [];
    this.downloads = new Map(); // file id -> download in progress
    this.done = new Map(); // file id -> {blob, name, mime} verified
  }

  get me() {
    return this.chat.me;
  }

  // --- uploads
  // Sends each file to the conversation `key` (`@user`, `#room`, `all`).
  send(files, key) {
    for (const file of files) this.upload(file, key);
  }

  async upload(file, key) {
    const conv = this.chat.conv(key);
    const u = {
      kind: 'upload', file, key, name: uploadName(file.name), size: file.size,
      mime: MIME_RE.test((file.type || '').toLowerCase()) ? file.type.toLowerCase() : 'application/octet-stream',
      target: conv.kind === 'all' ? 'all' : conv.kind === 'room' ? `#${conv.name}` : conv.name,
      state: 'hashing', acked: 0, sent: 0, id: null, resentFrom: -1, error: '', props: null,
    };
    this.uploads.push(u);
    this.hooks.changed(u);
    if (file.size > WEB_MAX_BYTES) {
      return this.fail(u, `${u.name} is ${humanSize(file.size)}; the web client sends files of at ` +
        `most ${humanSize(WEB_MAX_BYTES)} (the imchat command line sends larger ones)`);
    }
    try {
      u.bytes = new Uint8Array(await file.arrayBuffer());
      u.sha256 = await sha256Hex(u.bytes);
    } catch (e) {
      return this.fail(u, `cannot read ${u.name}: ${e.message || e}`);
    }
    if (IMAGE_TYPES.has(u.mime)) u.thumb = await makeThumb(file);
    if (u.state === 'cancelled') return undefined; // dismissed while it was being read
    return this.ask(u);
  }

  ask(u) {
    u.state = 'asking';
    this.hooks.changed(u);
    this.chat.command(`upload ${u.target} ${u.size} ${u.sha256} ${u.mime} ${u.name}`,
      { verb: 'upload', silent: true, upload: u });
  }

  fail(u, text) {
    u.state = 'error';
    u.error = text;
    u.bytes = null;
    this.hooks.changed(u);
    this.chat.say(`not sent: ${text}`, 'service', u.key, { error: true });
  }

  // Forgets an upload (the row's × button): one still running stops here; the service drops
  // its unfinished part after a day.
  dismiss(t) {
    this.uploads = this.uploads.filter((u) => u !== t);
    if (t.state === 'sending' && this.chat.conn) this.chat.conn.dropChunks(`im/up/${this.me}/${t.id}/`);
    if (t.state !== 'done') t.state = 'cancelled';
    t.bytes = null;
  }

  // The reply to `upload` or `fetch` (ctx from the pending list). True when taken.
  onReply(j, ctx) {
    if (j.cmd === 'upload') {
      const u = ctx.upload || this.uploads.find((x) => x.id && x.id === j.upload);
      if (!u || u.state !== 'asking') return true; // a reply to a command resent by MQTT.js
      if (!j.ok) return this.fail(u, j.error || j.text || 'the upload was refused'), true;
      u.id = j.upload;
      u.chunk = j.chunk > 0 ? j.chunk : 65536;
      u.window = j.window > 0 ? j.window : 16;
      u.acked = u.sent = Math.min(u.size, Math.max(0, Number(j.offset) || 0));
      u.startOffset = u.acked; // more than 0: the service held that much (a resumed upload)
      u.lastAcked = -1;
      u.resentFrom = -1;
      u.state = 'sending';
      if (this.chat.conn) this.chat.conn.dropChunks(`im/up/${this.me}/${u.id}/`);
      this.fill(u);
      this.watch();
      this.hooks.changed(u);
      return true;
    }
    const d = ctx.download || this.downloads.get(j.file);
    if (!d) return true;
    if (!j.ok) return this.failDownload(d, j.error || j.text || 'the download was refused'), true;
    d.size = Number(j.size) || 0;
    d.sha256 = j.sha256;
    d.name = d.name || (typeof j.name === 'string' ? j.name : '');
    d.mime = d.mime || (typeof j.mime === 'string' ? j.mime.toLowerCase() : '');
    if (d.expect && d.expect !== j.sha256) {
      this.failDownload(d, 'the file differs from the one announced in the message (SHA-256)');
    }
    this.hooks.changed(d);
    return true;
  }

  // Sends again from `offset`, dropping the chunks still queued from before.
  restart(u, offset) {
    if (this.chat.conn) this.chat.conn.dropChunks(`im/up/${this.me}/${u.id}/`);
    u.acked = u.sent = offset;
    this.fill(u);
  }

  // Every STALL_MS: an upload whose confirmed offset has not moved asks the service again
  // where it stands (the `upload` line answers the offset it holds), so a lost chunk or
  // a refusal that was not acted on cannot stop it for good.
  watch() {
    if (this.watching) return;
    this.watching = setInterval(() => {
      let busy = false;
      for (const u of this.uploads) {
        if (u.state !== 'sending') continue;
        busy = true;
        if (u.acked === u.lastAcked && this.chat.conn && this.chat.conn.ready) {
          this.chat.conn.dropChunks(`im/up/${this.me}/${u.id}/`);
          this.ask(u);
        }
        u.lastAcked = u.acked;
      }
      if (!busy) {
        clearInterval(this.watching);
        this.watching = null;
      }
    }, STALL_MS);
  }

  // Publishes chunks from `sent` while the window allows.
  fill(u) {
    const conn = this.chat.conn;
    if (u.state !== 'sending' || !conn || !conn.ready) return;
    while (u.sent < u.size && u.sent < u.acked + u.window * u.chunk) {
      const at = u.sent;
      const end = Math.min(u.size, at + u.chunk);
      u.sent = end;
      conn.publishChunk(`im/up/${this.me}/${u.id}/${at}`, u.bytes.subarray(at, end));
    }
  }

  // {"type":"upload",...} on im/svc/<me>.
  onUploadEvent(j) {
    const u = this.uploads.find((x) => x.id === j.upload && (x.state === 'sending' || x.state === 'asking'));
    if (!u) return;
    if (j.status === 'progress') {
      u.acked = Math.max(u.acked, Number(j.offset) || 0);
      u.sent = Math.max(u.sent, u.acked);
      this.fill(u);
    } else if (j.status === 'error' && typeof j.offset === 'number') {
      // A chunk refused (one resent after a reconnect, say): go on from where the service is.
      if (j.offset !== u.resentFrom) {
        u.resentFrom = j.offset;
        this.restart(u, j.offset);
      }
    } else if (j.status === 'error') {
      return this.fail(u, j.text || j.error || 'the upload failed');
    } else if (j.status === 'done') {
      u.state = 'done';
      u.acked = u.size;
      u.bytes = null;
      const props = { file: j.file, name: j.name, mime: j.mime, size: String(j.size), sha256: j.sha256 };
      if (u.thumb) Object.assign(props, u.thumb);
      // The file message takes over from the row: it shows the file and its delivery state.
      this.chat.sendFile(u.key, j.text || `sent a file: ${u.name} [file ${j.file}]`, props);
      this.dismiss(u);
    }
    this.hooks.changed(u);
  }

  // --- downloads
  // Fetches the file of `info` (fileOf); resolves with {blob, name, mime} once its SHA-256
  // matched, rejects with the reason otherwise.
  fetch(info) {
    const have = this.done.get(info.id);
    if (have) return Promise.resolve(have);
    let d = this.downloads.get(info.id);
    if (d) return d.promise;
    d = { kind: 'download', id: info.id, expect: info.sha256, name: info.name, mime: info.mime,
      size: info.size, got: 0, parts: [], state: 'asking', error: '' };
    d.promise = new Promise((resolve, reject) => { d.resolve = resolve; d.reject = reject; });
    this.downloads.set(info.id, d);
    this.startFetch(d);
    this.hooks.changed(d);
    return d.promise;
  }

  startFetch(d) {
    const conn = this.chat.conn;
    if (!conn || !conn.ready) return; // resume() starts it after the connect
    d.state = 'asking';
    conn.subscribe(`im/down/${this.me}/${d.id}/+`);
    this.chat.command(`fetch ${d.id} ${d.got}`, { verb: 'fetch', silent: true, download: d });
  }

  failDownload(d, text) {
    if (d.state === 'error') return;
    d.state = 'error';
    d.error = text;
    d.parts = [];
    this.downloads.delete(d.id);
    if (this.chat.conn) this.chat.conn.unsubscribe(`im/down/${this.me}/${d.id}/+`);
    this.hooks.changed(d);
    d.reject(new Error(text));
  }

  // A chunk on im/down/<me>/<file>/<offset>.
  onChunk(id, offset, bytes) {
    const d = this.downloads.get(id);
    if (!d || offset !== d.got || d.state === 'error') return; // a duplicate after a reconnect
    d.state = 'receiving';
    d.parts.push(bytes);
    d.got += bytes.length;
    this.chat.conn.publish(`im/cmd/${this.me}`, `fetch-ack ${id} ${d.got}`).catch(() => {});
    this.hooks.changed(d);
  }

  // {"type":"fetch",...} on im/svc/<me>.
  async onFetchEvent(j) {
    const d = this.downloads.get(j.file);
    if (!d) return;
    if (j.status !== 'done') {
      this.failDownload(d, j.text || j.error || 'the download failed');
      return;
    }
    d.state = 'checking';
    const blob = new Blob(d.parts);
    const sum = await sha256Hex(await blob.arrayBuffer());
    if (blob.size !== d.size || sum !== d.sha256 || (d.expect && sum !== d.expect)) {
      this.failDownload(d, `${d.name || d.id} arrived damaged (${humanSize(blob.size)}, SHA-256 ` +
        'does not match); try again');
      return;
    }
    d.state = 'done';
    d.parts = [];
    this.downloads.delete(d.id);
    this.chat.conn.unsubscribe(`im/down/${this.me}/${d.id}/+`);
    const result = { blob, name: d.name, mime: d.mime };
    this.done.set(d.id, result);
    this.hooks.changed(d);
    d.resolve(result);
  }

  // After a reconnect: uploads ask again (the service answers the offset it holds),
  // downloads continue from the bytes they have.
  resume() {
    for (const u of this.uploads) {
      if ((u.state === 'asking' || u.state === 'sending') && !this.chat.pending.some((p) => p.upload === u)) {
        this.ask(u);
      }
    }
    for (const d of this.downloads.values()) {
      if (!this.chat.pending.some((p) => p.download === d)) this.startFetch(d);
    }
  }
}
