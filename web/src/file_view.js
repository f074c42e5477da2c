// Files on screen: the attachment under a file message (an inline thumbnail that opens the
// image, or a download button), the image viewer, the upload rows above the composer, and
// the ways in (the attach button, dropping on the conversation, pasting). Names are shown
// as text only; images come from checked base64 (thumbnails) or verified bytes (blob: URLs).
import { IMAGE_TYPES } from './files.js';
import { humanSize } from './format.js';
import { neutralise, textEl } from './text.js';

const SAVE_NAME_BAD = /[\\/:*?"<>|\u0000-\u001f\u007f]/g;

// A name for <a download>: never a path, never empty.
function saveName(name, id) {
  const n = neutralise(name || '').replace(SAVE_NAME_BAD, '_').replace(/^\.+/, '_').trim();
  return n || `file-${id.slice(0, 8)}`;
}

function button(cls, label) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  if (label) b.textContent = label;
  return b;
}

export class FileView {
  constructor(files, transfersEl) {
    this.files = files;
    this.transfersEl = transfersEl;
    this.rows = new Map(); // upload -> row element
    this.urls = new Map(); // file id -> blob: URL of its verified bytes
  }

  url(id, blob) {
    let u = this.urls.get(id);
    if (!u) {
      u = URL.createObjectURL(blob);
      this.urls.set(id, u);
    }
    return u;
  }

  // The element under a file message.
  attachment(msg) {
    const f = msg.file;
    const box = document.createElement('div');
    box.className = 'file';
    box.dataset.file = f.id;
    const size = f.size !== null ? ` (${humanSize(f.size)})` : '';
    const image = IMAGE_TYPES.has(f.mime);
    const status = document.createElement('span');
    status.className = 'file-status';
    status.setAttribute('role', 'status');
    let control;
    if (f.thumb) {
      control = button('file-thumb');
      control.setAttribute('aria-label', `View image ${neutralise(f.name)}${size}`);
      const img = document.createElement('img');
      img.src = f.thumb; // a data: URL from checked base64 (files.js thumbUrl)
      img.alt = '';
      control.append(img);
    } else {
      control = button('file-get');
      control.append(textEl('span', 'file-name', `${image ? 'View' : 'Download'} ${f.name || 'file'}`),
        textEl('span', 'file-size', size));
    }
    control.addEventListener('click', () => this.open(f, box, status, control));
    box.append(control, status);
    if (this.files.done.has(f.id) && !image) this.saveLink(f, box, this.files.done.get(f.id));
    return box;
  }

  async open(f, box, status, control) {
    status.textContent = 'downloading…';
    status.classList.remove('error');
    const tick = setInterval(() => {
      const d = this.files.downloads.get(f.id);
      if (d && d.size) status.textContent = `downloading ${humanSize(d.got)} of ${humanSize(d.size)} (${Math.floor((100 * d.got) / d.size)}%)`;
    }, 250);
    let got;
    try {
      got = await this.files.fetch(f);
    } catch (e) {
      status.textContent = e.message;
      status.classList.add('error');
      return;
    } finally {
      clearInterval(tick);
    }
    status.textContent = 'verified (SHA-256)';
    if (IMAGE_TYPES.has(got.mime)) {
      this.viewer(f, got, control);
    } else {
      const link = this.saveLink(f, box, got);
      link.click();
    }
  }

  saveLink(f, box, got) {
    let a = box.querySelector('a.file-save');
    if (a) return a;
    a = document.createElement('a');
    a.className = 'file-save';
    a.href = this.url(f.id, got.blob);
    a.download = saveName(got.name, f.id);
    a.append(textEl('span', '', `Save ${got.name || 'file'} again`));
    box.append(a);
    return a;
  }

  // The full image over the page: Escape, the Close button or a click beside it closes.
  viewer(f, got, opener) {
    const old = document.getElementById('viewer');
    if (old) old.remove();
    const v = document.createElement('div');
    v.id = 'viewer';
    v.className = 'viewer';
    v.setAttribute('role', 'dialog');
    v.setAttribute('aria-modal', 'true');
    v.setAttribute('aria-label', `Image ${neutralise(got.name)}`);
    const img = document.createElement('img');
    img.className = 'viewer-img';
    img.alt = neutralise(got.name);
    img.src = this.url(f.id, got.blob);
    const bar = document.createElement('div');
    bar.className = 'viewer-bar';
    const name = textEl('span', 'viewer-name', got.name);
    const save = document.createElement('a');
    save.className = 'file-save ghost-btn';
    save.href = img.src;
    save.download = saveName(got.name, f.id);
    save.textContent = 'Save';
    const close = button('ghost-btn viewer-close', 'Close');
    bar.append(name, save, close);
    v.append(bar, img);
    const done = () => {
      v.remove();
      document.removeEventListener('keydown', onKey, true);
      if (opener && opener.isConnected) opener.focus();
    };
    const onKey = (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        done();
      }
    };
    close.addEventListener('click', done);
    v.addEventListener('click', (e) => { if (e.target === v) done(); });
    document.addEventListener('keydown', onKey, true);
    document.body.append(v);
    close.focus();
  }

  // An upload changed: its row above the composer.
  changed(t) {
    if (t.kind !== 'upload') return;
    let row = this.rows.get(t);
    if (!this.files.uploads.includes(t)) {
      if (row) row.remove();
      this.rows.delete(t);
      this.transfersEl.hidden = this.rows.size === 0;
      return;
    }
    if (!row) {
      row = document.createElement('li');
      row.className = 'transfer';
      const dismiss = button('icon-btn transfer-dismiss', '×');
      dismiss.setAttribute('aria-label', `Dismiss ${neutralise(t.name)}`);
      dismiss.addEventListener('click', () => {
        this.files.dismiss(t);
        this.changed(t);
      });
      const bar = document.createElement('progress');
      bar.max = 100;
      row.append(textEl('span', 'transfer-name', t.name), document.createElement('span'), bar, dismiss);
      row.children[1].className = 'transfer-state';
      this.rows.set(t, row);
      this.transfersEl.append(row);
    }
    const pct = t.size ? Math.floor((100 * t.acked) / t.size) : 100;
    row.dataset.state = t.state;
    row.dataset.start = String(t.startOffset || 0);
    row.children[2].value = pct;
    row.children[2].hidden = t.state === 'error';
    row.children[1].textContent = {
      hashing: 'reading…',
      asking: `waiting for the server (${humanSize(t.size)})`,
      sending: `${humanSize(t.acked)} of ${humanSize(t.size)} (${pct}%)` +
        (t.startOffset ? `, resumed at ${humanSize(t.startOffset)}` : ''),
      error: t.error,
    }[t.state];
    row.children[1].setAttribute('role', t.state === 'error' ? 'alert' : 'status');
    this.transfersEl.hidden = this.rows.size === 0;
  }
}

// The attach button, drag and drop onto `dropZone`, and pasting into `input`: each hands the
// files to send(files).
export function wireFileInput({ attach, picker, dropZone, input }, send) {
  attach.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    if (picker.files.length) send([...picker.files]);
    picker.value = '';
  });
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  dropZone.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dropZone.classList.add('drop-target');
  });
  dropZone.addEventListener('dragleave', (e) => {
    if (!dropZone.contains(e.relatedTarget)) dropZone.classList.remove('drop-target');
  });
  dropZone.addEventListener('drop', (e) => {
    dropZone.classList.remove('drop-target');
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer.files.length) send([...e.dataTransfer.files]);
  });
  input.addEventListener('paste', (e) => {
    const files = e.clipboardData ? [...e.clipboardData.files] : [];
    if (!files.length) return;
    e.preventDefault();
    send(files);
  });
}
