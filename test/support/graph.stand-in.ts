/**
 * GraphStandIn — a stand-in for Microsoft Graph (graph.microsoft.com) on 127.0.0.1: it answers the one call the bot
 * makes, `GET /v1.0/teams/{group-id}/members` (learn.microsoft.com/graph/api/team-list-members), with
 * aadUserConversationMember objects as Graph returns them (`roles: ["owner"]` for owners, `[]` for members,
 * `["guest"]` for guests), in pages of `pageSize` linked by `@odata.nextLink`. `failWith` makes it answer an
 * error status (403: consent not granted; 503: Graph down). Records each request's path and Authorization header.
 * Not emulated: $filter/$select, throttling, tokens' validity.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphMember {
  readonly userId: string;
  readonly displayName: string;
  readonly email?: string;
  readonly roles: readonly string[];
}

export class GraphStandIn {
  readonly requests: { path: string; authorization?: string }[] = [];
  failWith?: number;
  pageSize = 100;
  private readonly teams = new Map<string, readonly GraphMember[]>();
  private server?: Server;
  private base?: string;

  setMembers(groupId: string, members: readonly GraphMember[]): void {
    this.teams.set(groupId, members);
  }

  get url(): string {
    if (!this.base) throw new Error('GraphStandIn not started');
    return this.base;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.requests.push({ path: url.pathname, authorization: req.headers.authorization });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (this.failWith) return send(this.failWith, { error: { code: 'Forbidden', message: 'stand-in failure' } });
      const m = /^\/v1\.0\/teams\/([^/]+)\/members$/.exec(url.pathname);
      const members = m ? this.teams.get(decodeURIComponent(m[1]!)) : undefined;
      if (!members) return send(404, { error: { code: 'NotFound', message: 'No team found with Group Id' } });
      const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
      const page = members.slice(skip, skip + this.pageSize).map((x) => ({ '@odata.type': '#microsoft.graph.aadUserConversationMember', id: `m-${x.userId}`, ...x }));
      const next = skip + this.pageSize < members.length ? `${this.base}${url.pathname}?$skiptoken=${skip + this.pageSize}` : undefined;
      send(200, { '@odata.count': page.length, value: page, ...(next ? { '@odata.nextLink': next } : {}) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
