// Entry point: the login form, then the chat UI around Chat and Connection.
import { Chat } from './chat.js';
import { Connection } from './connection.js';
import { canAsk, ask } from './notify.js';
import { neutralise } from './text.js';
import { wireFileInput } from './file_view.js';

const $ = (id) => document.getElementById(id);
const NAME_RE = /^[A-Za-z0-9_.-]{1,32}$/;
const LAST_NAME = 'imchat.lastName'; // the name only; the password is never stored

let chat = null;
let conn = null;

function showLogin(error) {
  $('app').hidden = true;
  $('login-view').hidden = false;
  $('login-form').hidden = false;
  $('login-submit').disabled = false;
  $('login-error').textContent = error || '';
  $('login-password').value = '';
  ($('login-name').value ? $('login-password') : $('login-name')).focus();
}

function setConnState(state) {
  const el = $('conn-state');
  el.dataset.state = state;
  el.textContent = { online: 'online', connecting: 'connecting…', offline: 'offline' }[state] || state;
}

function logout() {
  if (conn) conn.end();
  // A fresh page: nothing of the session (messages, the password in memory) survives.
  window.location.reload();
}

function convTitle(c) {
  if (c.kind === 'all') return 'Everyone';
  return c.kind === 'room' ? `#${c.name}` : c.name;
}

// The open conversation's header: title, topic and its action buttons.
function onOpen(c) {
  $('conv-title').textContent = neutralise(convTitle(c));
  $('room-topic').textContent = c.kind === 'room' ? neutralise(c.topic || '') : '';
  $('room-topic').hidden = c.kind !== 'room' || !c.topic;
  const input = $('composer-input');
  input.placeholder = c.kind === 'all' ? 'Message everyone (/help for commands)'
    : c.kind === 'room' ? (c.member ? `Message #${c.name}` : `You are not a member of #${c.name}`)
      : `Message ${c.name}`;
  input.setAttribute('aria-label', input.placeholder);
  const actions = $('conv-actions');
  actions.replaceChildren();
  const button = (label, run, title) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'ghost-btn';
    b.textContent = label;
    if (title) b.title = title;
    b.addEventListener('click', run);
    actions.append(b);
  };
  // Buttons either run a command or start one in the composer for the user to finish.
  const prefill = (text) => () => {
    input.value = text;
    input.focus();
    input.setSelectionRange(text.length, text.length);
  };
  const run = (line) => () => chat.submit(line);
  if (c.kind === 'room') {
    if (c.member) {
      button('Members', run(`/members ${c.name}`));
      button('Invite', prefill(`/invite ${c.name} `));
      button('Topic', prefill(`/topic ${c.name} `));
      button('Leave', () => {
        if (window.confirm(`Leave #${c.name}?`)) chat.submit(`/leave ${c.name}`);
      });
    } else {
      button('Join', run(`/join ${c.name}`));
    }
  } else if (c.kind === 'dm') {
    button('History', run('/history 50'));
    button('Block', () => {
      if (window.confirm(`Block ${c.name}? You will not see their messages.`)) chat.submit(`/block ${c.name}`);
    });
    button('Unblock', run(`/unblock ${c.name}`));
  } else {
    button('Who is online', run('/who'));
    button('Rooms', run('/rooms all'));
    button('Help', run('/help'));
  }
  document.body.classList.remove('show-sidebar');
  $('toggle-sidebar').setAttribute('aria-expanded', 'false');
}

function startChat(name, password) {
  $('login-submit').disabled = true;
  $('login-error').textContent = '';
  chat = new Chat(name, {
    messages: $('messages'),
    conversations: $('conversations'),
    addressBook: $('address-book'),
    transfers: $('transfers'),
    onOpen,
    logout,
  });
  conn = new Connection(name, password, {
    onState: setConnState,
    onReady: (first) => {
      if (first) {
        $('login-view').hidden = true;
        $('login-form').hidden = true;
        $('app').hidden = false;
        $('me').textContent = name;
        $('notify-enable').hidden = !canAsk();
        $('composer-input').focus();
      }
      chat.onReady(first);
    },
    onMessage: (t, text, props, retained, bytes) => chat.onMessage(t, text, props, retained, bytes),
    onRefused: (text, everConnected) => {
      const why = everConnected ? `the server refused the login again: ${text}` : text;
      conn = null;
      if (chat) chat.dispose();
      chat = null;
      showLogin(why);
    },
    onUnreachable: (text) => {
      if ($('app').hidden) {
        $('login-error').textContent = text;
        $('login-submit').disabled = false; // they may try again, with other details too
      }
    },
  });
  chat.conn = conn;
}

function wireLogin() {
  const form = $('login-form');
  try {
    $('login-name').value = localStorage.getItem(LAST_NAME) || '';
  } catch { /* storage may be off */ }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('login-name').value.trim();
    const password = $('login-password').value;
    if (!NAME_RE.test(name)) {
      $('login-error').textContent = 'a name is 1-32 characters of A-Z a-z 0-9 _ . -';
      return;
    }
    if (!password) {
      $('login-error').textContent = 'enter your password';
      return;
    }
    try {
      localStorage.setItem(LAST_NAME, name);
    } catch { /* storage may be off */ }
    $('login-password').value = '';
    if (conn) conn.end();
    if (chat) chat.dispose();
    performance.mark('imchat-login-submit');
    startChat(name, password);
  });
  showLogin('');
  performance.mark('imchat-login-form');
}

function wireApp() {
  const input = $('composer-input');
  const submit = () => {
    const line = input.value;
    if (!line.trim() || !chat) return;
    input.value = '';
    autosize();
    chat.submit(line.replace(/\s+$/, ''));
  };
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    input.classList.toggle('tall', input.scrollHeight > 160);
  };
  input.addEventListener('input', autosize);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  wireFileInput({ attach: $('attach'), picker: $('file-input'), dropZone: $('pane'), input },
    (files) => chat && chat.files.send(files, chat.current));
  $('logout').addEventListener('click', logout);
  $('room-new').addEventListener('click', () => {
    input.value = '/join ';
    input.focus();
    chat && chat.say('Type a room name after /join, or use /create <room> [invite-only] for a new one.');
  });
  $('notify-enable').addEventListener('click', () => {
    ask().then(() => { $('notify-enable').hidden = !canAsk(); });
  });
  $('toggle-sidebar').addEventListener('click', () => {
    const open = document.body.classList.toggle('show-sidebar');
    $('toggle-sidebar').setAttribute('aria-expanded', String(open));
  });
  // Alt+Up / Alt+Down: previous / next conversation.
  document.addEventListener('keydown', (e) => {
    if (!chat || !e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    const keys = chat.sortedConvs().map((c) => c.key);
    const i = keys.indexOf(chat.current);
    const next = keys[(i + (e.key === 'ArrowUp' ? keys.length - 1 : 1)) % keys.length];
    e.preventDefault();
    chat.open(next);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && document.body.classList.contains('show-sidebar')) {
      document.body.classList.remove('show-sidebar');
      $('toggle-sidebar').setAttribute('aria-expanded', 'false');
      $('toggle-sidebar').focus();
    }
  });
  window.addEventListener('online', () => conn && conn.retryNow());
}

wireLogin();
wireApp();
