// Ports on this machine: a free one for each local endpoint, and a clear error when a chosen one is taken.
import { type AddressInfo, createServer, type Server } from 'node:net';

/** A port this machine cannot give: taken by another process (or not allowed). */
export class PortInUseError extends Error {
  readonly port: number;

  constructor(port: number, what: string) {
    super(
      `端口 ${port} 已被占用（${what}）：请停止占用它的进程，或换一个端口 / port ${port} is already in use (${what}): stop whatever holds it or choose another port`,
    );
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/** Resolves when `port` could be bound on `host` (and is released again); rejects with PortInUseError. */
export function assertPortFree(port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(port, what) : error),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A port that was free a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on `port` any more (after a stop). */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    await assertPortFree(port, host, 'check');
    return true;
  } catch {
    return false;
  }
}

/**
 * Listens on host:port (0 or undefined: any free port): resolves with the bound port and the server's http
 * URL (an IPv6 host in brackets), rejects with the listen error (EADDRINUSE …). For every local server.
 */
export async function listenOn(
  server: Server,
  port: number | undefined,
  host: string,
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}
