// Interval timers in a dedicated worker: browsers throttle timers of background tabs
// (down to once a minute), which would starve MQTT.js's keepalive and drop the connection.
// Worker timers are not throttled that way. This file is served from the web root because
// the gateway's CSP forbids blob: workers (what MQTT.js's own worker timers use).
const timers = new Map();
self.onmessage = (e) => {
  const { op, id, ms } = e.data || {};
  if (op === 'set') {
    timers.set(id, setInterval(() => self.postMessage(id), ms));
  } else if (op === 'clear') {
    clearInterval(timers.get(id));
    timers.delete(id);
  }
};
