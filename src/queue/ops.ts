/**
 * The operations endpoints, as one request handler (Probot's `addHandler`, or the
 * worker's own small server): `/healthz` (the process answers), `/readyz` (it can reach
 * the queue database and takes work), `/metrics` (Prometheus). Anything else is left to
 * the next handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DurableQueue } from './durable-queue.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  queue: DurableQueue;
  metrics: Metrics;
  /** False once shutting down. */
  accepting(): boolean;
}

export function opsHandler(ready: Readiness): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || !['/healthz', '/readyz', '/metrics'].includes(path ?? '')) return false;
    if (path === '/healthz') {
      send(res, 200, 'text/plain', 'ok\n');
    } else if (path === '/readyz') {
      const reachable = await ready.queue.pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
      const why = !ready.accepting() ? 'shutting down' : !reachable ? 'the queue database does not answer' : null;
      send(res, why ? 503 : 200, 'text/plain', `${why ?? 'ready'}\n`);
    } else {
      try {
        send(res, 200, ready.metrics.registry.contentType, await ready.metrics.registry.metrics());
      } catch (error) {
        send(res, 503, 'text/plain', `metrics unavailable: ${(error as Error).message}\n`);
      }
    }
    return true;
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/** The worker's server: the operations endpoints only. */
export function startOpsServer(ready: Readiness, port: number, host: string): Promise<Server> {
  const handle = opsHandler(ready);
  const server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) send(res, 404, 'text/plain', 'not found\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
