/**
 * HTTP/2 PING on a tunnel, from both ends. A peer that died without closing its socket (a killed VM, a NAT
 * mapping that expired, a cable pulled) leaves TCP silent for minutes; a PING that gets no answer within
 * `timeoutMs` ends the session in seconds, so the node reconnects and the gateway stops relaying to it. The PINGs
 * also keep idle NAT mappings alive.
 */
import type { Http2Session } from 'node:http2';

/** Options of {@link keepAlive}. */
export interface KeepAliveOptions {
  /** How often a PING goes out while none is outstanding. */
  intervalMs: number;
  /** How long a PING may wait for its answer before the session is destroyed. */
  timeoutMs: number;
  /** Called once when the session is given up for a missing answer. */
  onDead: (waitedMs: number) => void;
}

/** Starts pinging `session` until it closes; returns a function that stops early. */
export function keepAlive(session: Http2Session, o: KeepAliveOptions): () => void {
  /** When the outstanding PING went out; undefined while none is outstanding. */
  let sentAt: number | undefined;
  let lastSent = Date.now();
  const timer = setInterval(
    () => {
      if (session.closed || session.destroyed) return stop();
      const now = Date.now();
      if (sentAt !== undefined) {
        if (now - sentAt < o.timeoutMs) return;
        stop();
        o.onDead(now - sentAt);
        session.destroy(new Error(`no answer to a tunnel ping in ${now - sentAt} ms`));
        return;
      }
      if (now - lastSent < o.intervalMs) return;
      sentAt = lastSent = now;
      const sent = session.ping((err) => {
        // An error here means the session is closing; its own 'close' ends this loop.
        if (err === null) sentAt = undefined;
      });
      if (!sent) sentAt = undefined; // the session is not connected yet: try again next tick
    },
    Math.max(10, Math.min(o.intervalMs, o.timeoutMs) / 2),
  );
  timer.unref();
  const stop = () => clearInterval(timer);
  session.once('close', stop);
  return stop;
}
