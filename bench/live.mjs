// Load for the live gateway, with the official socket.io client (from end2end/node_modules):
//   sockets  N  — connect N authenticated websocket clients; report the connect rate and the
//                server's RSS per socket (its /proc status, so run on the same machine).
//   fanout   N  — N admin sockets; book M appointments through the API; report the time from each
//                booking's commit (its created_at) to its appointment-created at every socket.
// Usage: node bench/live.mjs <base-url> <server-pid> <email> <password> <sockets N> [fanout N M]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { io } = require('socket.io-client');

const [base, pid, email, password, socketsArg, fanoutArg, bookingsArg] = process.argv.slice(2);
const SOCKETS = Number(socketsArg ?? 10000);
const FANOUT = Number(fanoutArg ?? 1000);
const BOOKINGS = Number(bookingsArg ?? 20);

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function json(method, path, token, body) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const b = await r.json();
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(b)}`);
  return b.data;
}

/** Connects `n` sockets, `parallel` at a time; resolves with them. */
async function connectMany(n, token, parallel = 200) {
  const sockets = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      next += 1;
      const s = io(base, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 20000 });
      await new Promise((resolve, reject) => {
        s.once('connected', resolve);
        s.once('connect_error', reject);
      });
      sockets.push(s);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return sockets;
}

const token = (await json('POST', '/auth/login', null, { email, password })).accessToken;

// 1. Sockets held.
const before = rssKiB();
let t = performance.now();
const held = await connectMany(SOCKETS, token);
const seconds = (performance.now() - t) / 1000;
await new Promise((r) => setTimeout(r, 3000));
const after = rssKiB();
console.log(`sockets: ${held.length} connected in ${seconds.toFixed(1)} s (${(held.length / seconds).toFixed(0)}/s)`);
console.log(`server RSS: ${(before / 1024).toFixed(1)} MiB before, ${(after / 1024).toFixed(1)} MiB with ${held.length} sockets: ${((after - before) / held.length).toFixed(1)} KiB per socket`);
for (const s of held) s.disconnect();
await new Promise((r) => setTimeout(r, 2000));

// 2. Fan-out to admin sockets.
const admins = await connectMany(FANOUT, token);
await Promise.all(admins.map((s) => s.timeout(10000).emitWithAck('join-admin')));
const category = (await json('POST', '/categories', token, { name: `Bench live ${Date.now()}` })).category;
const service = (await json('POST', '/services', token, { categoryId: category.id, name: 'Fan-out', price: '10.00', duration: 15 })).service;
const hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
const experts = [];
for (let i = 0; i < 4; i += 1) {
  const e = (await json('POST', '/experts', token, { name: `Fan ${i}`, serviceIds: [service.id] })).expert;
  await json('PUT', `/experts/${e.id}/working-hours`, token, { hours });
  experts.push(e);
}
const latencies = [];
const arrived = new Map();
for (const s of admins) {
  s.on('appointment-created', ({ appointment }) => {
    const at = Date.now();
    latencies.push(at - Date.parse(appointment.created_at));
    arrived.set(appointment.id, (arrived.get(appointment.id) ?? 0) + 1);
  });
}
const day = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
for (let i = 0; i < BOOKINGS; i += 1) {
  const time = `${String(8 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`;
  await json('POST', '/appointments', token, {
    serviceId: service.id, expertId: experts[i % experts.length].id, appointmentDate: day, appointmentTime: time,
    customerName: 'Fan Out', customerPhone: '+44 20 7946 0333', payNow: false,
  });
  // Let each booking's wave land before the next.
  const want = (i + 1) * admins.length;
  const deadline = Date.now() + 10000;
  while (latencies.length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
latencies.sort((a, b) => a - b);
const missing = BOOKINGS * admins.length - latencies.length;
console.log(`fan-out: ${BOOKINGS} bookings to ${admins.length} admin sockets: p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies.at(-1)} ms, missing ${missing}, duplicates ${[...arrived.values()].filter((n) => n > admins.length).length}`);
for (const s of admins) s.disconnect();
process.exit(0);
