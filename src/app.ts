/**
 * Wiring: builds every part from a config, a catalog and an open store, and starts and stops them in order.
 * `index.ts` (the process) and the integration tests (in-process, with an injected clock) both use this.
 */
import type { Catalog } from './catalog/catalog.types';
import { catalogSummary } from './catalog/catalog.loader';
import type { Config } from './config';
import type { SigningKeys } from './http/api-auth';
import { registerAccessLog } from './http/access-log';
import { registerLegalPages } from './http/legal';
import { createHttpServer, type HttpServer } from './http/server';
import { Metrics } from './http/metrics';
import { registerRoutes } from './http/routes';
import type { Logger } from './logger';
import { isLoopbackHost } from './loopback';
import { packageVersion } from './package-root';
import { BindingService } from './reminders/binding.service';
import { systemClock, type Clock } from './reminders/clock';
import type { ReminderPoster } from './reminders/delivery.port';
import { DeliveryWorker, type DeliveryObserver } from './reminders/delivery-worker';
import { DigestJob } from './reminders/digest';
import { Pacer } from './reminders/pacer';
import { ReminderService } from './reminders/reminder.service';
import { Scheduler } from './reminders/scheduler';
import { WorkloadService } from './reminders/workload';
import { PersonalReachService } from './reminders/personal';
import type { Store } from './storage/database';
import { createAdapter, type BotAdapter } from './teams/adapter';
import { SocBot } from './teams/bot';
import { TeamsAccessControl } from './teams/roles/access';
import { GraphClient, isTokenlessGraph, msalGraphTokens, type TeamOwnerDirectory } from './teams/roles/graph-client';
import { CardViews } from './teams/card-views.builder';
import { ServiceUrlPolicy } from './teams/service-url';
import { unsupportedProxyVariable } from './teams/bot-connector';
import { TeamsPoster } from './teams/teams-poster';

export interface AppOptions {
  readonly config: Config;
  readonly catalog: Catalog;
  readonly store: Store;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Replaces the Teams poster (benchmarks of the worker alone). */
  readonly poster?: ReminderPoster;
  /** Start node-cron wake-ups and the delivery worker's polling. Tests drive both by hand. @default true */
  readonly autoRun?: boolean;
  readonly deliveryObserver?: DeliveryObserver;
  /** Folder of the built tab served under /tab/ (tests build their own). @default dist/tab */
  readonly tabRoot?: string;
  /** The keys the API checks Teams SSO tokens with (tests sign their own). @default Microsoft's, fetched */
  readonly apiSigningKeys?: SigningKeys;
}

export interface App {
  readonly config: Config;
  readonly catalog: Catalog;
  readonly store: Store;
  readonly clock: Clock;
  readonly http: HttpServer;
  readonly adapter: BotAdapter;
  readonly bot: SocBot;
  readonly reminders: ReminderService;
  readonly bindings: BindingService;
  readonly workload: WorkloadService;
  readonly scheduler: Scheduler;
  readonly worker: DeliveryWorker;
  readonly digest: DigestJob;
  readonly metrics: Metrics;
  readonly version: string;
  /** Listens on `port` and `host` (default config.port and config.host); returns the bound port. */
  start(port?: number, host?: string): Promise<number>;
  /** Settles when the first scheduler run after `start()` has (caught up with downtime); at once without autoRun. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const { config, catalog, store, logger } = options;
  const clock = options.clock ?? systemClock;
  const autoRun = options.autoRun ?? true;
  let worker: DeliveryWorker | undefined;
  const metrics = new Metrics(store.db);
  const reminders = new ReminderService({ db: store.db, catalog, clock, onEnqueued: () => worker?.kick(), onCreated: (trigger) => metrics.occurrenceCreated(trigger) });
  // One allow-list for what the edge accepts, what is stored and where anything is sent. Local mode adds loopback.
  const serviceUrls = new ServiceUrlPolicy(config.serviceUrlAllowlist, { allowLoopback: config.localMode });
  const bindings = new BindingService({ db: store.db, catalog, clock, reminders, trustServiceUrl: serviceUrls.check });
  const workload = new WorkloadService({ db: store.db, catalog, clock });
  const reach = new PersonalReachService({ db: store.db, catalog });
  const views = new CardViews(catalog, () => clock.now());
  const adapter = createAdapter(config, logger, serviceUrls);
  const poster =
    options.poster ??
    new TeamsPoster({
      adapter,
      appId: config.microsoftAppId ?? '',
      views,
      clock,
      locale: config.locale,
      timezone: catalog.timezone,
      serviceUrls,
      proxy: config.outboundProxy,
    });
  worker = new DeliveryWorker({
    db: store.db,
    poster,
    clock,
    logger,
    observer: options.deliveryObserver ?? metrics,
    maxAttempts: config.deliveryMaxAttempts,
    leaseMs: config.deliveryLeaseMs,
    // Teams' limits are real time, whatever clock the domain runs on.
    pacer: new Pacer(config.limits, config.deliveryReplicas),
  });
  const digest = new DigestJob({ db: store.db, catalog, clock, reminders, workload, cron: config.digestCron, logger });
  const scheduler = new Scheduler({
    service: reminders,
    catalog,
    clock,
    db: store.db,
    catchupMs: config.catchupMs,
    homeTenantId: config.homeTenantId,
    logger,
    observeLateness: (ms) => metrics.schedulerLateness(ms),
    onHeartbeat: async () => {
      await reminders.processTimers();
      await digest.runDue();
    },
  });
  const access = new TeamsAccessControl({ admins: config.socAdmins, everyoneIsAdmin: config.localMode && config.socAdmins.length === 0, owners: teamOwnerDirectory(config), clock, logger });
  const bot = new SocBot({
    access,
    catalog,
    clock,
    reminders,
    bindings,
    workload,
    reach,
    views,
    logger,
    defaultLocale: config.locale,
    allowedTenants: config.allowedTenants,
    fallbackTenantId: config.localMode ? config.homeTenantId : undefined,
    observeCardAction: (verb, outcome, seconds) => metrics.cardAction(verb, outcome, seconds),
    trustServiceUrl: serviceUrls.check,
  });
  const http = createHttpServer(logger);
  registerAccessLog(http.server, logger, metrics);
  registerLegalPages(http.server);
  const version = packageVersion();
  let caughtUp: Promise<void> = Promise.resolve();
  const app: App = {
    config,
    catalog,
    store,
    clock,
    http,
    adapter,
    bot,
    reminders,
    bindings,
    workload,
    scheduler,
    worker: worker,
    digest,
    metrics,
    version,
    async start(port = config.port, host = config.host) {
      registerRoutes(http.server, { config, logger, version, catalog, clock, store, scheduler, adapter, bot, workload, bindings, metrics, tabRoot: options.tabRoot, signingKeys: options.apiSigningKeys });
      if (autoRun) {
        worker!.start();
        // Catch-up after a long downtime can take seconds: the process answers meanwhile (liveness at once;
        // readiness, /readyz, once it is done), and card actions need nothing from it.
        caughtUp = scheduler.start().then(
          (result) => logger.info({ ...result }, 'caught up with what was due while the bot was down'),
          (err: unknown) => logger.error({ err }, 'catch-up failed; the next heartbeat (30 s) tries again'),
        );
      }
      const bound = await http.listen(port, host);
      if (config.localMode) {
        logger.warn(
          config.socAdmins.length === 0
            ? 'LOCAL MODE: SOC_ADMINS is not set, so EVERYONE is a SOC admin here (may bind, unbind, run and skip anything). Set SOC_ADMINS to try the permissions.'
            : `LOCAL MODE: SOC_ADMINS names ${config.socAdmins.length} SOC admin(s); team ownership is ${isTokenlessGraph(config.graphEndpoint) ? `read from the Graph stand-in at ${config.graphEndpoint}` : 'not known (no Microsoft Graph without an app identity), so only SOC admins may bind, unbind or skip'}.`,
        );
      }
      const proxy = unsupportedProxyVariable(config.outboundProxy);
      if (proxy && !options.poster) {
        logger.warn(`${proxy} is set, but Node ${process.versions.node} has no proxy support for the posts to Teams (it came in Node 22.21 and 24.5): they go direct. Run a newer Node (.nvmrc names the tested line).`);
      }
      if (config.localMode && !isLoopbackHost(host)) {
        // Said at every start, not once: this is a deliberate choice that stays dangerous for as long as it is made.
        logger.warn(
          { host, port: bound },
          `LOCAL MODE ON THE NETWORK: listening on ${host} without authentication. Anyone who can reach port ${bound} can forge Teams traffic: act as any user, complete or skip any task, bind channels. Set MicrosoftAppId for authenticated mode, or HOST=127.0.0.1.`,
        );
      }
      logger.info(
        {
          port: bound,
          host,
          version,
          database: `${store.dialect} ${store.location}`,
          catalog: catalogSummary(catalog),
          mode: config.localMode ? 'local' : 'authenticated',
          serviceUrlAllowlist: serviceUrls.describe(),
        },
        config.localMode
          ? 'SOC Reminders started in LOCAL MODE: MicrosoftAppId is not set, so Bot Framework requests are accepted without authentication. Use it only on this machine or with the Agents Playground.'
          : 'SOC Reminders started: only authenticated Bot Framework traffic is accepted',
      );
      return bound;
    },
    caughtUp: () => caughtUp,
    async stop() {
      await http.stop();
      await scheduler.stop();
      await worker!.stop();
    },
  };
  return app;
}

/**
 * Where team ownership is read (issue 13): Microsoft Graph with the bot's app identity; in local mode, which has no
 * identity, only a Graph stand-in on this machine (asked without a token), else nowhere (nobody is an owner).
 */
function teamOwnerDirectory(config: Config): TeamOwnerDirectory | undefined {
  if (config.localMode) return isTokenlessGraph(config.graphEndpoint) ? new GraphClient({ endpoint: config.graphEndpoint, token: async () => undefined }) : undefined;
  // A managed identity has no secret: MSAL's client credentials do not apply (not supported yet; README says so).
  if (!config.microsoftAppPassword) return undefined;
  return new GraphClient({
    endpoint: config.graphEndpoint,
    token: msalGraphTokens(config.microsoftAppId!, config.microsoftAppPassword, config.botFrameworkAuth.ToChannelFromBotLoginUrl, config.graphEndpoint),
  });
}
