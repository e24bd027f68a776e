'use strict';
/**
 * The fake Bot Connector in a worker thread, for the fan-out benchmark. Teams is another machine: run in the
 * benchmark's own thread, the fake's request handling (parsing, its exact limit windows, recording) shared one
 * event loop with the bot it answers, so each send of a burst waited for the fake's work on the ones before it,
 * and that was charged to the bot. In its own thread it keeps exactly the same limits and records arrival times
 * on the same clock (Date.now, epoch ms), and the bot's process is measured alone, as it runs against Teams.
 *
 *   const connector = await startConnectorThread();
 *   connector.url; await connector.waitForPosts(n, timeoutMs) // → epoch ms (fractional) of the n-th post's answer
 *   await connector.snapshot() // → { requests, posts, throttledCount }; connector.reset(); await connector.stop()
 */
const { Worker, isMainThread, parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');

/** Epoch ms with sub-ms precision, comparable across threads (each thread has its own timeOrigin). */
const epochNow = () => performance.timeOrigin + performance.now();

if (!isMainThread) {
  const { loadFakeConnector } = require('./common');
  const { FakeBotConnector } = loadFakeConnector();
  const connector = new FakeBotConnector({ now: () => Date.now() });
  let watch;
  const check = () => {
    if (watch && connector.posts().length >= watch.count) {
      parentPort.postMessage({ id: watch.id, value: watch.at ?? epochNow() });
      watch = undefined;
    }
  };
  parentPort.on('message', async ({ id, op, arg }) => {
    try {
      let value;
      if (op === 'start') {
        await connector.start();
        value = connector.url;
      } else if (op === 'reset') connector.reset();
      else if (op === 'waitForPosts') {
        watch = { id, count: arg };
        // The waiter runs right after each answer is written: the time is taken there, not when the parent reads it.
        connector.waitFor(() => {
          if (watch && watch.at === undefined && connector.posts().length >= watch.count) watch.at = epochNow();
          return watch === undefined || watch.at !== undefined;
        }, 600_000).then(check, check);
        return;
      } else if (op === 'snapshot') {
        value = {
          requests: connector.requests.map((r) => ({ operation: r.operation, status: r.status, time: r.time, tenantId: r.tenantId, threadId: r.threadId })),
          posts: connector.posts().map((p) => ({ threadId: p.threadId })),
          throttledCount: connector.throttledCount,
        };
      } else if (op === 'stop') await connector.stop();
      parentPort.postMessage({ id, value });
    } catch (err) {
      parentPort.postMessage({ id, error: String(err?.stack ?? err) });
    }
  });
}

async function startConnectorThread() {
  const worker = new Worker(__filename);
  const pending = new Map();
  let next = 0;
  worker.on('message', ({ id, value, error }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (error) p.reject(new Error(error));
    else p.resolve(value);
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const call = (op, arg) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, arg });
    });
  const url = await call('start');
  return {
    url,
    reset: () => call('reset'),
    snapshot: () => call('snapshot'),
    /** Resolves with the epoch ms of the connector's answer to the n-th post; rejects after timeoutMs. */
    waitForPosts: (count, timeoutMs) =>
      Promise.race([
        call('waitForPosts', count),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${count} posts`)), timeoutMs).unref()),
      ]),
    stop: async () => {
      await call('stop');
      await worker.terminate();
    },
  };
}

module.exports = { startConnectorThread, epochNow };
