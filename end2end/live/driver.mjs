// Drives official `socket.io-client` sockets for the Rust integration tests (tests/api/live_client.rs),
// so the live gateway is tested against the real client rather than a hand-written protocol.
//
// Usage: node end2end/live/driver.mjs
// stdin: one JSON command a line; stdout: one JSON message a line and nothing else (debug goes to
// stderr). Sockets are named by the caller's `id`.
//   {"cmd":"connect","id":"a","url":"http://127.0.0.1:1234","transports":["websocket"]|null,
//    "auth":{...}|null,"query":{...}|null,"headers":{"cookie":"..."}|null}
//       -> later {"id":"a","type":"connect","sid":"..."} or {"id":"a","type":"connect_error","message":"..."}
//   {"cmd":"emit","id":"a","event":"name","args":[...],"ack":7}   (ack optional)
//       -> later {"id":"a","type":"ack","ack":7,"args":[...]} or {"id":"a","type":"ack_timeout","ack":7}
//   {"cmd":"disconnect","id":"a"}   {"cmd":"exit"}
// Unprompted: {"id":"a","type":"event","event":"name","args":[...]} for every event received, and
// {"id":"a","type":"disconnect","reason":"..."} whenever a socket disconnects.
// After each command line: {"type":"done","line":N} (N counts command lines from 1), preceded by
// {"type":"error","line":N,"message":"..."} if the command could not be carried out.
import { createInterface } from 'node:readline';

import { io } from 'socket.io-client';

const ACK_TIMEOUT_MS = 5000;

// One write per message: the reader on the other side splits on newlines, and stdout to a pipe is
// synchronous on Linux, so messages never interleave and none is lost on process.exit.
function send(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

// Functions (an ack the server asked for) do not survive JSON; say one was asked for instead.
function plain(args) {
  const out = { args: args.filter((a) => typeof a !== 'function') };
  if (out.args.length !== args.length) out.wants_ack = true;
  return out;
}

const sockets = new Map();

function connect(cmd) {
  const old = sockets.get(cmd.id);
  if (old?.connected) throw new Error(`client ${cmd.id} is connected already`);
  if (old) {
    // Reusing a name after a disconnect or failed connect: silence and drop the old socket.
    old.off();
    old.offAny();
    old.disconnect();
  }
  const opts = { forceNew: true, reconnection: false, timeout: 5000 };
  if (cmd.transports != null) opts.transports = cmd.transports;
  if (cmd.auth != null) opts.auth = cmd.auth;
  if (cmd.query != null) opts.query = cmd.query;
  if (cmd.headers != null) opts.extraHeaders = cmd.headers;
  const socket = io(cmd.url, opts);
  sockets.set(cmd.id, socket);
  socket.on('connect', () => send({ id: cmd.id, type: 'connect', sid: socket.id }));
  socket.on('connect_error', (err) => {
    const out = { id: cmd.id, type: 'connect_error', message: err.message };
    if (err.data !== undefined) out.data = err.data;
    send(out);
  });
  socket.on('disconnect', (reason) => send({ id: cmd.id, type: 'disconnect', reason }));
  socket.onAny((event, ...args) => send({ id: cmd.id, type: 'event', event, ...plain(args) }));
}

function socketOf(id) {
  const socket = sockets.get(id);
  if (!socket) throw new Error(`no client ${id}`);
  return socket;
}

function emit(cmd) {
  const socket = socketOf(cmd.id);
  const args = cmd.args ?? [];
  if (typeof cmd.ack !== 'number') {
    socket.emit(cmd.event, ...args);
    return;
  }
  socket.timeout(ACK_TIMEOUT_MS).emit(cmd.event, ...args, (err, ...reply) => {
    if (err) send({ id: cmd.id, type: 'ack_timeout', ack: cmd.ack });
    else send({ id: cmd.id, type: 'ack', ack: cmd.ack, ...plain(reply) });
  });
}

// Every command is handled synchronously; results that need the network arrive later as their own
// messages, so one slow socket never holds up commands for the others.
function handle(cmd) {
  switch (cmd.cmd) {
    case 'connect':
      return connect(cmd);
    case 'emit':
      return emit(cmd);
    case 'disconnect':
      // Reports the socket's `disconnect` ("io client disconnect") before `done`.
      return socketOf(cmd.id).disconnect();
    case 'exit':
      return process.exit(0);
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd.cmd)}`);
  }
}

let line = 0;
const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (text) => {
  if (!text.trim()) return;
  line += 1;
  try {
    handle(JSON.parse(text));
  } catch (err) {
    console.error(`driver: line ${line}: ${err.stack ?? err}`);
    send({ type: 'error', line, message: String(err.message ?? err) });
  }
  send({ type: 'done', line });
});
// The test binary went away (or closed our stdin): nothing more will be asked.
input.on('close', () => process.exit(0));
