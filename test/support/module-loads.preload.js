'use strict';
/**
 * Preloaded into the built service (NODE_OPTIONS=--require) by test/integration/footprint.test.ts: on SIGUSR2 it
 * writes every module the process has loaded from node_modules, as a path under node_modules (one a line,
 * `restify/lib/server.js`), to MODULE_LOADS_FILE. Nothing else changes in the process.
 */
const { renameSync, writeFileSync } = require('node:fs');

const file = process.env.MODULE_LOADS_FILE;
if (!file) throw new Error('module-loads.preload.js needs MODULE_LOADS_FILE');

process.on('SIGUSR2', () => {
  const loaded = new Set();
  for (const path of Object.keys(require.cache)) {
    const i = path.lastIndexOf('/node_modules/');
    if (i >= 0) loaded.add(path.slice(i + '/node_modules/'.length));
  }
  // Written whole, then renamed: the test never reads half a list.
  writeFileSync(`${file}.tmp`, [...loaded].sort().join('\n'));
  renameSync(`${file}.tmp`, file);
});
