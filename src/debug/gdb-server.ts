// The TCP side of the gdb stub: a listener on 127.0.0.1 that hands the first gdb to
// connect to a GdbSession (gdbstub.ts), which holds all of the protocol.
//
// Contract: one gdb at a time (later connections are refused while it is served); the
// promise resolves with how the session ended once the server and the connection are
// closed, and rejects only when listening fails. Aborting the signal ends the wait for
// gdb, or the session (as a kill).

import { createServer, type Server, type Socket } from 'node:net';
import { GdbSession, type GdbEnd, type GdbSessionOptions } from './gdbstub.js';

export interface GdbServerOptions extends GdbSessionOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Called once listening, with the port (the caller prints where gdb should connect). */
  onListening?: (port: number) => void;
  /** Aborting stops waiting for gdb (or ends the session: kill). */
  signal?: AbortSignal;
}

/**
 * Listen on 127.0.0.1:port, serve the first gdb that connects (later connections are
 * refused while it is served) and resolve with how the session ended. The server and
 * the connection are closed before it resolves.
 */
export function serveGdb(opts: GdbServerOptions): Promise<GdbEnd> {
  return new Promise<GdbEnd>((resolve, reject) => {
    let session: GdbSession | null = null;
    let sock: Socket | null = null;
    let settled = false;
    const server: Server = createServer({ noDelay: true } as never);
    const finish = (e: GdbEnd) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      server.close();
      if (sock) {
        const s = sock;
        // Let the last reply (W, OK) go out before closing.
        s.end(() => s.destroy());
        setTimeout(() => s.destroy(), 1000).unref();
      }
      resolve(e);
    };
    const onAbort = () => {
      if (session) session.disconnected();
      else finish({ kind: 'kill', reason: 'interrupted while waiting for gdb' });
    };
    opts.signal?.addEventListener('abort', onAbort);
    server.on('connection', (s: Socket) => {
      if (session) {
        s.destroy(); // one gdb at a time
        return;
      }
      sock = s;
      s.setNoDelay(true);
      session = new GdbSession(opts, (data) => {
        if (!s.destroyed) s.write(Buffer.from(data, 'latin1'));
      });
      session.done.then(finish);
      s.on('data', (b: Buffer) => session!.receive(b));
      s.on('close', () => session!.disconnected());
      s.on('error', () => session!.disconnected());
    });
    server.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    server.listen(opts.port, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      opts.onListening?.(port);
    });
  });
}
