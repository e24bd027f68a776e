/**
 * Prometheus metrics (prom-client) and GET /metrics. In local mode it is open; in authenticated mode it needs
 * `Authorization: Bearer <METRICS_TOKEN>`, and without METRICS_TOKEN it is not served at all (404): a bot's
 * public endpoint is reachable from the internet, and a scrape target should not be.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Request, Response, Server } from 'restify';
import type { Kysely } from 'kysely';
import type { DeliveryObserver } from '../reminders/delivery-worker';
import type { HttpObserver } from './access-log';
import { sameSecret } from './api-auth';
import { outboxDepth } from '../storage/outbox.repository';
import type { Database } from '../storage/tables';

export class Metrics implements DeliveryObserver, HttpObserver {
  readonly registry = new Registry();
  private readonly created = new Counter({ name: 'soc_occurrences_created_total', help: 'Occurrences created, by trigger', labelNames: ['trigger'], registers: [this.registry] });
  private readonly sentCounter = new Counter({ name: 'soc_deliveries_sent_total', help: 'Posts and card updates Teams accepted, by kind', labelNames: ['kind'], registers: [this.registry] });
  private readonly failedCounter = new Counter({ name: 'soc_deliveries_failed_total', help: 'Failed delivery attempts, by kind and Teams status or code', labelNames: ['kind', 'code'], registers: [this.registry] });
  private readonly deadCounter = new Counter({ name: 'soc_deliveries_dead_lettered_total', help: 'Deliveries dead-lettered after their last attempt', labelNames: ['kind', 'code'], registers: [this.registry] });
  private readonly throttledCounter = new Counter({ name: 'soc_teams_throttled_total', help: '429 answers from Teams that reached the worker', registers: [this.registry] });
  private readonly cardActions = new Histogram({
    name: 'soc_card_action_duration_seconds',
    help: 'Time to answer an Adaptive Card action invoke',
    labelNames: ['verb', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly lateness = new Histogram({
    name: 'soc_scheduler_lateness_seconds',
    help: 'Time from a scheduled fire time to the occurrence being created',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 90],
    registers: [this.registry],
  });

  // Standard names (no soc_ prefix), as the Node.js and HTTP dashboards people already have expect them.
  private readonly httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status_code'], registers: [this.registry] });
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(db: Kysely<Database>) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'soc_outbox_depth',
      help: 'Deliveries waiting (pending or being sent) and dead-lettered',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const d = await outboxDepth(db);
        this.set({ state: 'pending' }, d.pending);
        this.set({ state: 'dead' }, d.dead);
      },
    });
    new Gauge({
      name: 'soc_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest delivery still waiting',
      registers: [this.registry],
      async collect() {
        const d = await outboxDepth(db);
        this.set(d.oldestPendingAt === undefined ? 0 : (Date.now() - d.oldestPendingAt) / 1000);
      },
    });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status_code: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }
  occurrenceCreated(trigger: string): void {
    this.created.inc({ trigger });
  }
  schedulerLateness(ms: number): void {
    this.lateness.observe(Math.max(0, ms) / 1000);
  }
  cardAction(verb: string, outcome: string, seconds: number): void {
    this.cardActions.observe({ verb, outcome }, seconds);
  }
  sent(kind: string): void {
    this.sentCounter.inc({ kind });
  }
  failed(kind: string, code: string): void {
    this.failedCounter.inc({ kind, code });
  }
  deadLettered(kind: string, code: string): void {
    this.deadCounter.inc({ kind, code });
  }
  throttled(): void {
    this.throttledCounter.inc();
  }
}

/** Registers GET /metrics; `token` undefined in authenticated mode means: not served. */
export function registerMetricsRoute(server: Server, metrics: Metrics, access: { open: boolean; token?: string }): void {
  server.get('/metrics', async (req: Request, res: Response) => {
    if (!access.open) {
      const header = req.headers.authorization ?? '';
      if (!access.token) {
        res.status(404);
        res.json({ error: { code: 'NotFound', message: 'metrics are not served: set METRICS_TOKEN' } });
        return;
      }
      if (!header.startsWith('Bearer ') || !sameSecret(header.slice(7), access.token)) {
        res.status(401);
        res.json({ error: { code: 'Unauthorized', message: 'metrics need the METRICS_TOKEN bearer token' } });
        return;
      }
    }
    const body = await metrics.registry.metrics();
    res.setHeader('content-type', metrics.registry.contentType);
    res.writeHead(200);
    res.end(body);
  });
}
