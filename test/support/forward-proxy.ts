/**
 * A forward proxy as a corporate network has one, for http:// targets: it relays absolute-URL requests onward and
 * records each as `METHOD URL`. Real HTTP on both sides; what it stands for is the SOC's egress proxy.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardProxy {
  readonly url: string;
  /** The requests relayed so far, as `POST http://host:port/path`. */
  readonly relayed: string[];
  stop(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const relayed: string[] = [];
  const server = http.createServer((req, res) => {
    relayed.push(`${req.method} ${req.url}`);
    const target = new URL(req.url!);
    const onward = http.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (answer) => {
      // Not chained: restify, once loaded in this process, replaces writeHead with one that returns nothing.
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    // The far side going away mid-call is the proxy's to answer, not an error left to end the test process.
    onward.on('error', () => res.destroy());
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    relayed,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
