// vLLM binds its socket with SO_REUSEADDR and SO_REUSEPORT, so on Linux a second vLLM on a port
// another vLLM holds binds without an error and the kernel spreads connections over both; only a
// socket bound without SO_REUSEPORT (another program) makes the bind fail. Node 20 cannot set
// SO_REUSEPORT, so the simulator imitates the outcome: it tells a vLLM holder (it answers
// /version) from any other, and next to a vLLM it starts "successfully" without a socket.
import { request } from 'node:http';

const loopback = (host: string) => (host === '0.0.0.0' || host === '' ? '127.0.0.1' : host);

/** Resolves true when a vLLM (real or simulated) answers `GET /version` on host:port. */
export function heldByVllm(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: loopback(host), port, path: '/version', method: 'GET', timeout: 1000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('end', () => {
          try {
            const v = (JSON.parse(body) as { version?: unknown }).version;
            resolve(res.statusCode === 200 && typeof v === 'string');
          } catch {
            resolve(false);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
