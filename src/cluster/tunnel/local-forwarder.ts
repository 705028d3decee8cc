/**
 * The node's end of a relayed request: each HTTP/2 stream the gateway opens on the tunnel becomes one plain HTTP
 * request to the node's own listener (method, path, headers; the body streamed both ways). The node's listener is
 * the one every local client uses, so a relayed request gets exactly the node's own behaviour — scheduling,
 * streaming, errors, cancellation. A stream the gateway resets (its caller went away) aborts the local request, and
 * the server cancels the generation as for any client that disconnects.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '../../core/index.js';
import { forwardedHeaders } from './tunnel-protocol.js';

/** Statuses that carry no body (HTTP/2 refuses DATA after them). */
const NO_BODY = new Set([204, 205, 304]);

/** Forwards tunnel streams to the listener at `target` (`http://127.0.0.1:11434`). */
export class LocalForwarder {
  readonly #target: URL;
  readonly #log: Logger;
  readonly #agent: Agent;

  constructor(target: string, log: Logger) {
    this.#target = new URL(target);
    this.#log = log;
    // The node's certificate (if it serves TLS) names its public host, not the loopback address used here.
    this.#agent =
      this.#target.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: false })
        : new Agent({ keepAlive: true });
  }

  /** Serves one stream; never throws (failures answer the stream). */
  forward(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const method = headers[':method'] ?? 'GET';
    const path = headers[':path'] ?? '/';
    const send = this.#target.protocol === 'https:' ? httpsRequest : httpRequest;
    let complete = false;
    const local = send({
      protocol: this.#target.protocol,
      hostname: this.#target.hostname.replace(/^\[|\]$/g, ''),
      port: this.#target.port,
      method,
      path,
      agent: this.#agent,
      headers: forwardedHeaders(headers),
    });
    local.on('response', (res: IncomingMessage) => {
      if (stream.destroyed) {
        res.destroy();
        return;
      }
      const status = res.statusCode ?? 502;
      stream.respond(
        { ':status': status, ...forwardedHeaders(res.headers) },
        { endStream: NO_BODY.has(status) },
      );
      if (NO_BODY.has(status) || method === 'HEAD') {
        res.resume();
        complete = true;
        return;
      }
      res.on('end', () => (complete = true));
      res.pipe(stream);
      res.once('error', (err) => this.#reset(stream, err));
    });
    local.on('error', (err) => {
      if (complete || stream.destroyed) return; // the gateway went away first: nothing left to answer
      if (stream.headersSent) return this.#reset(stream, err);
      const body = JSON.stringify({ error: `the node's own listener failed: ${err.message}` });
      stream.respond({ ':status': 502, 'content-type': 'application/json' });
      stream.end(body);
    });
    // The gateway cancelled the stream (its caller disconnected) or the tunnel closed: abort the local request.
    stream.once('close', () => {
      if (!complete) local.destroy();
    });
    stream.on('error', (err) => this.#log.debug({ err, path }, 'tunnel stream failed'));
    stream.pipe(local);
  }

  close(): void {
    this.#agent.destroy();
  }

  #reset(stream: ServerHttp2Stream, err: Error): void {
    this.#log.warn({ err }, 'relayed response broke mid-way');
    if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}
