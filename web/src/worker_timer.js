// The Timer MQTT.js takes as `timerVariant` ({set, clear} like setInterval/clearInterval),
// backed by timer-worker.js. Falls back to the page's own timers if no worker can start.
let worker = null;
let nextId = 1;
const callbacks = new Map();

function start() {
  if (worker !== null) return worker;
  try {
    worker = new Worker(new URL('timer-worker.js', document.baseURI));
    worker.onmessage = (e) => {
      const fn = callbacks.get(e.data);
      if (fn) fn();
    };
    worker.onerror = () => { worker = false; };
  } catch {
    worker = false;
  }
  return worker;
}

export const workerTimer = {
  set(fn, ms) {
    const w = start();
    if (!w) return { native: setInterval(fn, ms) };
    const id = nextId++;
    callbacks.set(id, fn);
    w.postMessage({ op: 'set', id, ms });
    return id;
  },
  clear(id) {
    if (id && typeof id === 'object') {
      clearInterval(id.native);
      return;
    }
    if (!callbacks.delete(id)) return;
    if (worker) worker.postMessage({ op: 'clear', id });
  },
};
