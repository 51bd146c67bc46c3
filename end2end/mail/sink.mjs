// A real SMTP server on loopback (the `smtp-server` package) that keeps every message Pulse sends, and
// an HTTP endpoint to read them back, so browser tests can follow emailed codes and links the way a
// person would. Pulse talks to it with its production mailer (lettre over SMTP).
//
// Usage: node end2end/mail/sink.mjs   (prints `SMTP_URL=smtp://127.0.0.1:<port>` and
// `MAIL_SINK=http://127.0.0.1:<port>` when ready)
// GET /messages?to=<address> answers the messages sent to that address, newest last, as
// `[{ to, subject, text, html }]`.
import { createServer } from 'node:http';

import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const messages = [];

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        for (const rcpt of session.envelope.rcptTo) {
          messages.push({
            to: rcpt.address.toLowerCase(),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          });
        }
        callback();
      })
      .catch(callback);
  },
});

const http = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/messages') {
    res.writeHead(404).end();
    return;
  }
  const to = url.searchParams.get('to')?.toLowerCase();
  const found = to ? messages.filter((m) => m.to === to) : messages;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
});

await new Promise((ok) => smtp.listen(0, '127.0.0.1', ok));
await new Promise((ok) => http.listen(0, '127.0.0.1', ok));
console.log(`SMTP_URL=smtp://127.0.0.1:${smtp.server.address().port}`);
console.log(`MAIL_SINK=http://127.0.0.1:${http.address().port}`);

if (process.env.MAIL_WATCH_STDIN === '1') {
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
