// MQTT.js (MQTT 5) over the gateway's WebSocket, as a browser's web client would speak it.
// Driven by tests/integration/test_gateway_mqttjs.py, which runs the TCP side (paho) and
// talks to this script by lines: this script prints "READY", "GOT ..." and "SENT ..." on
// stdout; the test writes nothing back. Any failure prints "FAIL <why>" and exits 1.
//
// Usage: node gateway_mqttjs.js WS_URL USER PASSWORD PEER
//   e.g. node gateway_mqttjs.js ws://127.0.0.1:8080/mqtt alice wonderland bob
'use strict';

const crypto = require('crypto');
const mqtt = require('mqtt');

const [url, user, password, peer] = process.argv.slice(2);
const BURST = 5000;
const BIG = 200;
const BIG_BYTES = 60 * 1024;

function fail(why) {
  console.log(`FAIL ${why}`);
  process.exit(1);
}
setTimeout(() => fail('the whole run took more than 150 s'), 150000).unref();

// The same payloads as the Python side: a tag and index, then sha256 hex repeated.
function bigPayload(tag, i) {
  const hash = crypto.createHash('sha256').update(`${tag} ${i}`).digest('hex');
  return Buffer.from((`${tag} ${String(i).padStart(3, '0')} ` + hash.repeat(1000)).slice(0, BIG_BYTES));
}
function burstPayload(tag, i) {
  return `${tag} ${String(i).padStart(5, '0')}`;
}

function connect(pass) {
  return mqtt.connect(url, {
    protocolVersion: 5,
    username: user,
    password: pass,
    clientId: `mqttjs-${user}-${crypto.randomBytes(4).toString('hex')}`,
    reconnectPeriod: 0,
    connectTimeout: 10000,
  });
}

// A wrong password must be refused with CONNACK "bad user name or password" (134) or
// "not authorized" (135), not hang or get in.
function badPasswordRefused() {
  return new Promise((resolve) => {
    const c = connect('certainly-wrong');
    c.on('connect', () => fail('a wrong password logged in'));
    c.on('error', (err) => {
      c.end(true);
      if (err.code !== 134 && err.code !== 135) fail(`wrong password: unexpected error ${err.code} ${err.message}`);
      resolve(err.code);
    });
  });
}

async function main() {
  const refusedCode = await badPasswordRefused();
  const client = connect(password);
  await new Promise((resolve) => {
    client.on('connect', resolve);
    client.on('error', (err) => fail(`login: ${err.message}`));
  });
  let done = false;
  client.on('close', () => { if (!done) fail('the connection closed early'); });

  // What the TCP side sends, in its order: a DM, a broadcast, the burst, the big ones.
  const expected = [
    [`im/user/${user}/${peer}`, Buffer.from('dm from tcp')],
    [`im/all/${peer}`, Buffer.from('all from tcp')],
  ];
  for (let i = 0; i < BURST; i++) expected.push([`im/all/${peer}`, Buffer.from(burstPayload('tcp', i))]);
  for (let i = 0; i < BIG; i++) expected.push([`im/all/${peer}`, bigPayload('tcp', i)]);
  let next = 0;
  let started = 0;
  const allReceived = new Promise((resolve) => {
    client.on('message', (topic, payload) => {
      if (next === 0) started = Date.now();
      if (next >= expected.length) fail(`an extra message on ${topic}`);
      const [t, p] = expected[next];
      if (topic !== t || !payload.equals(p)) {
        fail(`message ${next}: expected ${t} (${p.length} bytes), got ${topic} (${payload.length} bytes): lost, changed or out of order`);
      }
      next++;
      if (next === expected.length) resolve();
    });
  });
  await client.subscribeAsync([`im/user/${user}/+`, `im/all/${peer}`], { qos: 1 });
  console.log(`READY refused=${refusedCode}`);
  await allReceived;
  console.log(`GOT ${next} messages in order in ${Date.now() - started} ms`);

  const t0 = Date.now();
  await client.publishAsync(`im/user/${peer}`, 'dm from mqttjs', { qos: 1 });
  await client.publishAsync('im/all', 'all from mqttjs', { qos: 1 });
  const acks = [];
  for (let i = 0; i < BURST; i++) acks.push(client.publishAsync('im/all', burstPayload('js', i), { qos: 1 }));
  await Promise.all(acks);
  const t1 = Date.now();
  acks.length = 0;
  for (let i = 0; i < BIG; i++) acks.push(client.publishAsync('im/all', bigPayload('js', i), { qos: 1 }));
  await Promise.all(acks);
  console.log(`SENT burst ${t1 - t0} ms, big ${Date.now() - t1} ms`);
  done = true;
  await client.endAsync();
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
