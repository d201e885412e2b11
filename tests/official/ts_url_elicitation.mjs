// URL-mode elicitation against the official TypeScript SDK's client
// (@modelcontextprotocol/sdk, from the shared tools' install in EXT_DIR).
// Usage: node ts_url_elicitation.mjs BASE   (MCP endpoint at BASE/mcp, the
// app's callback at BASE/callback?id=). Prints one JSON line; exit 1 on failure.
import { createRequire } from 'node:module';
import path from 'node:path';

const extDir = process.env.EXT_DIR || path.join(process.env.HOME, '.cache', 'mcp-ext');
const req = createRequire(path.join(extDir, 'conformance', 'package.json'));
const sdk = (p) => import(req.resolve(`@modelcontextprotocol/sdk/${p}`));
const { Client } = await sdk('client/index.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const { ElicitRequestSchema, ElicitationCompleteNotificationSchema, UrlElicitationRequiredError, McpError } =
  await sdk('types.js');

const base = process.argv[2];
const out = { requests: [], completed: [] };
const fails = [];
const check = (cond, what) => { if (!cond) fails.push(what); };

async function connect(capabilities) {
  const client = new Client({ name: 'ts-url-elicitation', version: '0' }, { capabilities });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    out.requests.push(request.params);
    return { action: 'accept' };
  });
  if (capabilities.elicitation?.url) {
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, async (n) => {
      out.completed.push(n.params.elicitationId);
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  return client;
}

const client = await connect({ elicitation: { form: {}, url: {} } });
const result = await client.callTool({ name: 'connect', arguments: {} });
const text = result.content?.[0]?.text ?? '';
const id = text.replace(/^Accept /, '');
check(text.startsWith('Accept '), `connect answered ${JSON.stringify(result)}`);
check(out.requests.length === 1 && out.requests[0].mode === 'url' && out.requests[0].elicitationId === id,
  `the SDK received ${JSON.stringify(out.requests)}`);
const page = await (await fetch(`${base}/callback?id=${id}`)).text();
check(page === 'completed', `callback said ${page}`);
for (let i = 0; i < 100 && !out.completed.includes(id); i++) await new Promise((r) => setTimeout(r, 50));
check(out.completed.includes(id), `no elicitation/complete for ${id}: ${JSON.stringify(out.completed)}`);

try {
  await client.callTool({ name: 'pay', arguments: {} });
  fails.push('pay did not fail');
} catch (e) {
  out.required = { name: e.constructor.name, code: e.code, elicitations: e.elicitations };
  check(e instanceof UrlElicitationRequiredError, `pay threw ${e}`);
  check(e.elicitations?.[0]?.mode === 'url' && typeof e.elicitations?.[0]?.elicitationId === 'string',
    `elicitations ${JSON.stringify(e.elicitations)}`);
}
await client.close();

const formOnly = await connect({ elicitation: {} });
try {
  await formOnly.callTool({ name: 'connect', arguments: {} });
  fails.push('a form-only client was asked');
} catch (e) {
  out.formOnly = { code: e.code, data: e.data };
  check(e instanceof McpError && e.code === -32021, `form-only client got ${e}`);
}
await formOnly.close();

out.fails = fails;
console.log(JSON.stringify(out));
process.exit(fails.length ? 1 : 0);
