// Sender-controlled strings become DOM text nodes only (never HTML). Control characters and
// bidi overrides are shown as visible escapes so they cannot hide or reorder text; http(s)
// URLs become links that cannot reach the opener or leak the referrer.

// C0 (except tab and newline), DEL, C1, and the bidi embedding/override/isolate/mark
// characters, zero-width joiners aside (emoji need them).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/gi;

function escapeChar(c) {
  return `\\u{${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}}`;
}

// The string with control characters replaced by visible escapes (for titles, names).
export function neutralise(s) {
  return String(s ?? '').replace(CONTROL, escapeChar);
}

// Appends `s` to `parent` as text, escapes in <span class="ctl">.
function appendPlain(parent, s) {
  let last = 0;
  CONTROL.lastIndex = 0;
  for (let m; (m = CONTROL.exec(s)); ) {
    if (m.index > last) parent.append(document.createTextNode(s.slice(last, m.index)));
    const esc = document.createElement('span');
    esc.className = 'ctl';
    esc.textContent = escapeChar(m[0]);
    esc.title = 'control character';
    parent.append(esc);
    last = m.index + m[0].length;
  }
  if (last < s.length) parent.append(document.createTextNode(s.slice(last)));
}

function safeHttpUrl(raw) {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// Fills `parent` with `text`: plain text, escapes and http(s) links.
export function renderText(parent, text) {
  const s = String(text ?? '');
  let last = 0;
  URL_RE.lastIndex = 0;
  for (let m; (m = URL_RE.exec(s)); ) {
    const href = safeHttpUrl(m[0]);
    if (!href) continue;
    if (m.index > last) appendPlain(parent, s.slice(last, m.index));
    const a = document.createElement('a');
    a.href = href;
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    appendPlain(a, m[0]);
    parent.append(a);
    last = m.index + m[0].length;
  }
  if (last < s.length) appendPlain(parent, s.slice(last));
}

// An element with isolated, direction-guessing text: <tag class=cls dir=auto>text</tag>.
export function textEl(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.dir = 'auto';
  appendPlain(el, String(text ?? ''));
  return el;
}
