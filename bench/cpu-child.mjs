/**
 * One CPU-per-message run in a fresh process: sends N messages at concurrency 1 to the simulator at URL with
 * one client, after a warm-up of 300, and prints { messagesPerSecond, cpuMicrosPerMessage } as JSON. A fresh
 * process per run, so that no client pays for another's garbage or JIT state. Plain JavaScript on the built
 * package (dist/). Clients: `bare` (an undici Client.request loop: the HTTP stack alone), `package`
 * (`destination.write()`), `official` (the `twilio` library's messages.create in a loop).
 * Usage: node bench/cpu-child.mjs URL ACCOUNT_SID AUTH_TOKEN CLIENT N
 */
import twilio from 'twilio';
import { Client } from 'undici';
import { TwilioDestination } from '../dist/index.js';

const [url, accountSid, authToken, client, count] = process.argv.slice(2);
const FROM = '+15005550006';
const to = (i) => `+1415${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`;
const body = (i) => `Hi Customer ${i}, order A-${i} shipped.`;

async function bare(n) {
  const http = new Client(url);
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  for (let i = 0; i < n; i++) {
    const response = await http.request({
      path,
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ To: to(i), From: FROM, Body: body(i) }).toString(),
    });
    const message = await response.body.json();
    if (response.statusCode !== 201 || !message.sid)
      throw new Error(`bare loop: HTTP ${response.statusCode}`);
  }
  await http.close();
}

async function packageWrite(n) {
  const destination = new TwilioDestination(
    {
      credentials: { accountSid, authToken },
      settings: { from: FROM, messageTemplate: 'Hi {{name}}, order {{order}} shipped.' },
    },
    { apiBaseUrl: url, messagingBaseUrl: url, concurrency: 1 },
  );
  function* rows() {
    for (let i = 0; i < n; i++) yield { to: to(i), name: `Customer ${i}`, order: `A-${i}` };
  }
  const results = await destination.write(rows());
  await destination.close();
  const failed = results.find((result) => result.status === 'failed');
  if (failed) throw new Error(`package: ${JSON.stringify(failed)}`);
}

async function official(n) {
  // The library's own HTTP client, pointed at the simulator instead of api.twilio.com.
  class LocalRequestClient extends twilio.RequestClient {
    request(options) {
      return super.request({ ...options, uri: options.uri.replace('https://api.twilio.com', url) });
    }
  }
  const api = twilio(accountSid, authToken, { httpClient: new LocalRequestClient() });
  for (let i = 0; i < n; i++) await api.messages.create({ to: to(i), from: FROM, body: body(i) });
}

const send = { bare, package: packageWrite, official }[client];
if (!send) throw new Error(`unknown client ${client}`);
const n = Number(count);
await send(300);
const cpu = process.cpuUsage();
const started = performance.now();
await send(n);
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
process.stdout.write(
  `${JSON.stringify({ messagesPerSecond: n / seconds, cpuMicrosPerMessage: (used.user + used.system) / n })}\n`,
);
