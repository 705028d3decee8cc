/** A streamed generation read chunk by chunk over real HTTP, for the disconnect, shutdown and soak scenarios. */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';

export interface OpenStream {
  req: ClientRequest;
  res: IncomingMessage;
  /** Complete lines received so far (tokens, for NDJSON generation). */
  lines(): number;
  /** Resolves with the first body chunk. */
  first: Promise<string>;
  /** Resolves with the whole body when the server ends it; rejects when the connection breaks. */
  text: Promise<string>;
}

/** POST `body` as JSON to `url` + `path` and resolve once the response headers are in. */
export function openStream(url: string, path: string, body: unknown, agent = false): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      agent,
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let all = '';
      let gotFirst!: (s: string) => void;
      const first = new Promise<string>((r) => (gotFirst = r));
      res.setEncoding('utf8');
      const text = new Promise<string>((done, fail) => {
        res.on('data', (chunk: string) => {
          if (all === '') gotFirst(chunk);
          all += chunk;
        });
        res.once('end', () => done(all));
        res.once('error', fail);
        res.once('aborted', () => fail(new Error('response aborted')));
      });
      text.catch(() => undefined); // callers that stop reading early never await it
      resolve({ req, res, first, text, lines: () => all.split('\n').length - 1 });
    });
    req.end(JSON.stringify(body));
  });
}

/** The last NDJSON line of a body, parsed. */
export function lastLine(text: string): Record<string, unknown> {
  const lines = text.trim().split('\n');
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}
