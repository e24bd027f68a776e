/**
 * Every HTTP route, wired: each concern registers its own (`bot-endpoint.ts`, `metrics.ts`, `health.ts`,
 * `workload-api.ts`, `tab-static.ts`) from the narrow dependencies it declares. The composition root passes the
 * parts it built; nothing here builds a part of the app, and nothing under http/ imports the composition root.
 */
import type { Server } from 'restify';
import type { Catalog } from '../catalog/catalog.types';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Clock } from '../reminders/clock';
import { listTenants } from '../storage/scheduler-state.repository';
import { createApiAuth, type ApiAuthConfig, type SigningKeys } from './api-auth';
import { registerBotEndpoint, type BotEndpointDeps } from './bot-endpoint';
import { registerHealthRoutes, type HealthDeps } from './health';
import { registerMetricsRoute, type Metrics } from './metrics';
import { registerTabStatic } from './tab-static';
import { registerWorkloadApi, type WorkloadApiDeps } from './workload-api';

export interface RouteDeps {
  /** Local mode (an open API and /metrics), the metrics token, the home tenant, and what the API's check reads. */
  readonly config: ApiAuthConfig & Pick<Config, 'metricsToken' | 'homeTenantId'>;
  readonly logger: Logger;
  readonly version: string;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly store: HealthDeps['store'];
  readonly scheduler: HealthDeps['scheduler'];
  readonly adapter: BotEndpointDeps['adapter'];
  readonly bot: BotEndpointDeps['bot'];
  readonly workload: WorkloadApiDeps['workload'];
  readonly bindings: WorkloadApiDeps['bindings'];
  readonly metrics: Metrics;
  /** Folder of the built tab. @default TAB_BUILD_DIR (dist/tab) */
  readonly tabRoot?: string;
  /** What SSO tokens are checked against. @default microsoftSigningKeys() */
  readonly signingKeys?: SigningKeys;
}

export function registerRoutes(server: Server, deps: RouteDeps): void {
  const { config, logger, catalog, store } = deps;

  registerBotEndpoint(server, { adapter: deps.adapter, bot: deps.bot, logger });

  registerMetricsRoute(server, deps.metrics, { open: config.localMode, token: config.metricsToken });

  registerHealthRoutes(server, {
    store,
    scheduler: deps.scheduler,
    catalog,
    clock: deps.clock,
    version: deps.version,
    mode: config.localMode ? 'local' : 'authenticated',
    logger,
  });

  // Outside local mode the API needs the tab's Teams SSO token, or the wall display's DISPLAY_TOKEN. One check for
  // every API route: it remembers which display peers it has logged.
  registerWorkloadApi(server, {
    catalog,
    workload: deps.workload,
    bindings: deps.bindings,
    knownTenants: async () => (await listTenants(store.db)).map((t) => t.tenantId),
    homeTenantId: config.homeTenantId,
    auth: createApiAuth(config, { logger, keys: deps.signingKeys }),
  });

  registerTabStatic(server, { root: deps.tabRoot });
}
