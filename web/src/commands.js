// Lines typed like the CLI: `/msg bob hi`, `/join #dev`, ... parsed into actions for chat.js.

// Commands the service runs as they are (im/cmd/<me>), with a short help text.
export const SERVICE_COMMANDS = {
  who: 'who is online',
  users: 'the address book [page]',
  since: 'who was online in the last <seconds>',
  block: '<user>: stop seeing them',
  unblock: '<user>',
  blocked: 'whom you block',
  history: '[<user>|all|#room] [n]: older messages',
  nick: '[display name]: set (or clear) your display name',
  create: '<room> [invite-only]',
  join: '<room>',
  leave: '<room>',
  rooms: '[all [page]]: your rooms (or the open ones)',
  members: '<room>',
  invite: '<room> <user>',
  kick: '<room> <user>',
  topic: '<room> [text]',
};

export const LOCAL_COMMANDS = {
  msg: '<user> <text>: a direct message',
  all: '<text>: to everyone',
  open: '<user>|#room|all: open a conversation',
  help: 'this list and the service\'s',
  quit: 'sign out',
};

export function helpText() {
  const lines = ['Commands:'];
  for (const [k, v] of Object.entries({ ...LOCAL_COMMANDS, ...SERVICE_COMMANDS })) {
    lines.push(`/${k} ${v}`);
  }
  lines.push('Enter sends, Shift+Enter starts a new line; Alt+Up/Down switches conversations.');
  return lines.join('\n');
}

// Returns one of:
//   {type: 'send', target: 'all'|'@user'|'#room', text}
//   {type: 'cmd', line, verb, arg}        (service command)
//   {type: 'open', target}
//   {type: 'help'} | {type: 'quit'}
//   {type: 'error', text}
// `current` is the open conversation's key (for /history without arguments).
export function parseLine(line, current) {
  if (!line.startsWith('/') || line.startsWith('//')) {
    return { type: 'send', target: current, text: line.startsWith('//') ? line.slice(1) : line };
  }
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(line);
  const verb = m[1].toLowerCase();
  const rest = m[2].trim();
  switch (verb) {
    case 'msg': {
      const mm = /^@?(\S+)\s+([\s\S]+)$/.exec(rest);
      if (!mm) return { type: 'error', text: 'usage: /msg <user> <text>' };
      return { type: 'send', target: `@${mm[1]}`, text: mm[2] };
    }
    case 'all':
      if (!rest) return { type: 'error', text: 'usage: /all <text>' };
      return { type: 'send', target: 'all', text: rest };
    case 'open': case 'query': {
      if (!rest) return { type: 'error', text: 'usage: /open <user>|#room|all' };
      const t = rest === 'all' ? 'all' : rest.startsWith('#') ? rest : `@${rest.replace(/^@/, '')}`;
      return { type: 'open', target: t };
    }
    case 'help': case '?':
      return { type: 'help' };
    case 'quit': case 'logout':
      return { type: 'quit' };
    case 'history': {
      // Without a target: the open conversation's.
      let arg = rest;
      if (!arg || /^\d+$/.test(arg)) {
        const target = current === 'all' ? 'all' : current.startsWith('#') ? current : current.slice(1);
        arg = `${target}${arg ? ` ${arg}` : ''}`;
      }
      return { type: 'cmd', verb, arg, line: `history ${arg}` };
    }
    default:
      if (Object.prototype.hasOwnProperty.call(SERVICE_COMMANDS, verb)) {
        return { type: 'cmd', verb, arg: rest, line: rest ? `${verb} ${rest}` : verb };
      }
      return { type: 'error', text: `unknown command '/${verb}'; /help lists the commands` };
  }
}
