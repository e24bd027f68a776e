/**
 * The process: read config, load the catalog, open the store, start the app; stop cleanly on SIGTERM/SIGINT.
 * A bad variable or a bad catalog stops start-up with every error and exit code 1.
 */
// First, before anything loads: the process may re-execute itself with a smaller young generation.
import './young-generation.relaunch';
import { CatalogError, loadCatalog } from './catalog/catalog.loader';
import type { Catalog } from './catalog/catalog.types';
import { ConfigError, readConfig, type Config } from './config';
import { createApp } from './app';
import { createLogger } from './logger';
import { openStore, parseDatabaseUrl } from './storage/database';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  let catalog: Catalog;
  try {
    catalog = loadCatalog({ file: config.catalogFile, defaultTimezone: config.timezone });
  } catch (err) {
    if (err instanceof CatalogError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const store = await openStore(parseDatabaseUrl(config.databaseUrl), {
    onConnectionError: (err) => logger.warn({ err }, 'PostgreSQL connection lost; the pool reconnects on next use'),
    connectTimeoutMs: config.databaseConnectTimeoutMs,
  });
  const app = createApp({ config, catalog, store, logger });
  await app.start(config.port, config.host);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // A stop that hangs (a Teams call or a database that no longer answers) must not outlive the orchestrator's
    // grace period, which ends in SIGKILL with nothing logged: exit first, and say why.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'stop did not finish within SHUTDOWN_TIMEOUT; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app
      .stop()
      .then(() => store.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`SOC Reminders failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
