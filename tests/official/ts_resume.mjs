#!/usr/bin/env node
// Resumption with the official TypeScript SDK client (its StreamableHTTPClientTransport):
// client A starts `paced_job`, keeps the resumption token (the last event id) the
// transport reports, and drops the connection after two progress notifications;
// client B joins the same session and sends the same request with that token, which
// the transport turns into GET + Last-Event-ID. Prints one JSON line of what each saw.
//
//   node ts_resume.mjs URL EXT_DIR
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, extDir] = process.argv.slice(2);
const req = createRequire(path.join(extDir, 'conformance', 'package.json'));
const sdk = (p) => import(req.resolve(`@modelcontextprotocol/sdk/${p}`));
const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const { CallToolResultSchema } = await sdk('types.js');

const request = {
  method: 'tools/call',
  params: { name: 'paced_job', arguments: { steps: 6, every_ms: 150 }, _meta: { progressToken: 'paced' } },
};
const errors = [];

// Counts what reaches a transport, before the client sees it.
function watch(transport, seen) {
  const inner = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (message.method === 'notifications/progress') seen.progress.push(message.params.progress);
    if ('result' in message || 'error' in message) seen.responses.push(message);
    seen.onmessage?.(message);
    inner?.(message, extra);
  };
}

const first = new StreamableHTTPClientTransport(new URL(url));
const a = new Client({ name: 'resume-a', version: '1.0.0' }, { capabilities: {} });
a.onerror = () => {};
await a.connect(first);
const session = first.sessionId;
const version = first.protocolVersion;
let token;
const seenA = { progress: [], responses: [] };
const two = new Promise((resolve) => {
  seenA.onmessage = () => { if (seenA.progress.length === 2) resolve(); };
});
watch(first, seenA);
const pendingA = a
  .request(request, CallToolResultSchema, { onresumptiontoken: (t) => { token = t; } })
  .then(() => 'answered', (e) => `closed: ${e.message}`);
await two;
const tokenAtDrop = token;
await first.close(); // the connection drops mid-call
const outcomeA = await pendingA;
await new Promise((r) => setTimeout(r, 300));

const second = new StreamableHTTPClientTransport(new URL(url), { sessionId: session });
const b = new Client({ name: 'resume-b', version: '1.0.0' }, { capabilities: {} });
b.onerror = (e) => errors.push(String(e));
await b.connect(second); // a session id: no initialize
if (version) second.setProtocolVersion(version);
const seenB = { progress: [], responses: [] };
watch(second, seenB);
const result = await b.request(request, CallToolResultSchema, {
  resumptionToken: tokenAtDrop,
  onresumptiontoken: (t) => { token = t; },
});
await new Promise((r) => setTimeout(r, 500)); // anything arriving twice would show now
console.log(JSON.stringify({
  version,
  tokenAtDrop,
  outcomeA,
  progressA: seenA.progress,
  progressB: seenB.progress,
  responsesB: seenB.responses.length,
  text: result.content?.[0]?.text,
  errors: errors.filter((e) => !e.includes('unknown token')),
}));
await second.close();
process.exit(0);
