// A real SMTP server for tests (nodemailer's smtp-server) that keeps every message it
// receives as one JSON file.
//
//   node smtp-sink.mjs <dir> [port]
//
// Listens on 127.0.0.1 (port 0 or none: an ephemeral one) without TLS: STARTTLS is not
// offered, AUTH is optional and any credentials are accepted. Once listening it prints exactly
// one line, `LISTENING <port>`, to stdout. Message n (from 1) is parsed with mailparser and
// written as `<dir>/<n>.json` (a temporary file, then a rename) before the server answers the
// DATA command, so a client that saw `250` finds the file:
//
//   { "from": envelope MAIL FROM, "to": [envelope RCPT TO…], "subject", "text", "html",
//     "headers": { lowercase name: value of its first occurrence }, "raw": the message }
//
// It exits when stdin closes, so it never outlives the test process that started it.

import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// stdout carries only the LISTENING line.
console.log = console.error;
console.info = console.error;

const [dir, portArg = '0'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node smtp-sink.mjs <dir> [port]');
  process.exit(2);
}
const port = Number(portArg);

let count = 0;

/** The unfolded value of a raw header line `Name: value`. */
function rawValue(line) {
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * Every header as a string: mailparser's decoded value when it is a string (or the text of an
 * address header), the unfolded raw value otherwise (dates, content types, repeated headers).
 */
function headerObject(parsed) {
  const headers = {};
  for (const { key, line } of parsed.headerLines) {
    if (key in headers) {
      continue;
    }
    const value = parsed.headers.get(key);
    if (typeof value === 'string') {
      headers[key] = value;
    } else if (value && typeof value === 'object' && typeof value.text === 'string') {
      headers[key] = value.text;
    } else {
      headers[key] = rawValue(line);
    }
  }
  return headers;
}

async function store(raw, session) {
  const parsed = await simpleParser(raw);
  count += 1;
  const n = count;
  const message = {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
    subject: parsed.subject ?? '',
    text: parsed.text ?? null,
    html: parsed.html || null,
    headers: headerObject(parsed),
    raw: raw.toString('utf8'),
  };
  const path = join(dir, `${n}.json`);
  const tmp = join(dir, `.${n}.json.tmp`);
  await writeFile(tmp, JSON.stringify(message, null, 2));
  await rename(tmp, path);
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  logger: false,
  banner: 'watchword test sink',
  onAuth(auth, _session, callback) {
    callback(null, { user: auth.username });
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', callback);
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        callback(new Error('message too large'));
        return;
      }
      store(Buffer.concat(chunks), session).then(
        () => callback(),
        (error) => {
          console.error('storing a message failed:', error);
          callback(error);
        },
      );
    });
  },
});

server.on('error', (error) => console.error('smtp-sink:', error.message));

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.server.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
