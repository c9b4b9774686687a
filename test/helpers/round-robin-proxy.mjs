// A tiny round-robin HTTP proxy for the 2-node test cluster (test/helpers/cluster.ts): each request
// goes to the next node in turn, bytes streamed both ways, headers (Host included, so SigV4
// signatures still verify) passed unchanged. Its own process: the tests call aws/boto3
// synchronously, which would block a proxy inside the test process.
//   node round-robin-proxy.mjs http://127.0.0.1:PORT1 http://127.0.0.1:PORT2
// Prints {"msg":"proxy listening","port":N} on stdout.
import http from 'node:http';

const targets = process.argv.slice(2).map((u) => new URL(u));
let next = 0;
// A fresh connection per request: a pooled one the node has just closed would fail the request (a keep-alive race).
const agent = false;

// Hop-by-hop headers belong to one connection, not to the request (RFC 9110 §7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);
const endToEnd = (raw) => {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
};

const server = http.createServer((req, res) => {
  const target = targets[next++ % targets.length];
  res.on('error', () => undefined);
  const upstream = http.request({
    host: target.hostname, port: target.port, method: req.method, path: req.url, headers: endToEnd(req.rawHeaders), agent,
  }, (up) => {
    up.on('error', () => res.destroy());
    res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.rawHeaders));
    up.pipe(res);
  });
  // A node may answer before it has read the whole body and then close: writing the rest fails, but
  // the answer already on its way is the one to deliver.
  let answered = false;
  upstream.on('response', () => { answered = true; });
  upstream.on('error', (e) => {
    if (answered || res.headersSent) return;
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`proxy: ${e.message}`);
  });
  upstream.flushHeaders(); // a node may answer from the headers alone (a declared length over the limit)
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'proxy listening', port: server.address().port })));
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); process.exit(0); });
