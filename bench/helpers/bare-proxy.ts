/**
 * The floor of one extra HTTP hop, for the gateway benchmark: a bare `node:http` pass-through to one upstream
 * (no routing, auth, parsing or stream guarding), in its own process like a gateway.
 * Usage: `node --import tsx bench/helpers/bare-proxy.ts <upstream-url>`; prints its URL on one line and serves until killed.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2] ?? '');
const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  const out = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      path: req.url,
      method: req.method,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', (err) => res.destroy(err));
  req.pipe(out);
});
server.listen(0, '127.0.0.1', () =>
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
);
