#!/usr/bin/env node
/**
 * `npm run playground`: try SOC Reminders without a Teams tenant.
 *
 * Starts the built bot (dist/, `npm run playground` builds it first) in local mode and the Microsoft 365 Agents
 * Playground (a local Teams emulator, mock tenant in `.m365agentsplayground.yml`), waits until both answer, prints
 * the address to open and what to type, and stops both on Ctrl-C or SIGTERM.
 *
 * Environment (all optional; the bot's own variables such as SOC_LOCALE, SOC_TIMEZONE, SOC_CATALOG_FILE pass through):
 *   PORT              bot port; default 3978, or a free one if 3978 is taken
 *   PLAYGROUND_PORT   playground port; default 56150, or a free one if taken
 *   DATABASE_URL      default ./data/playground.db (kept between runs; delete it to start afresh)
 *   LOG_LEVEL         the bot's log level (its log goes to devTools/soc-reminders.log); default info
 *   PLAYGROUND_START_TIMEOUT_MS  how long to wait for both to answer; default 60000
 *   PLAYGROUND_LOG_DIR  where both logs go; default devTools/ (where the playground puts its own by default)
 *
 * The bot is forced into local mode (MicrosoftAppId, ALLOWED_TENANTS emptied, even if .env sets them): the
 * playground sends unauthenticated traffic from its own mock tenant.
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BOT_ENTRY = path.join(ROOT, 'dist', 'src', 'index.js');
const CONFIG_FILE = path.join(ROOT, '.m365agentsplayground.yml');
const LOG_DIR = process.env.PLAYGROUND_LOG_DIR ? path.resolve(process.env.PLAYGROUND_LOG_DIR) : path.join(ROOT, 'devTools');
const PLAYGROUND_LOG = path.join(LOG_DIR, 'm365agentsplayground.log');
const BOT_LOG = path.join(LOG_DIR, 'soc-reminders.log');
const DEFAULT_BOT_PORT = 3978;
const DEFAULT_PLAYGROUND_PORT = 56150;

const children = [];
let stopping = false;

function say(line = '') {
  process.stdout.write(`${line}\n`);
}

function fail(message) {
  process.stderr.write(`\nplayground: ${message}\n`);
}

/** True when nothing listens on `port` (checked the way the bot binds: all IPv4 interfaces). */
function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The port asked for (an explicit one must be free), else the default, else any free port. */
async function choosePort(explicit, fallback, what) {
  if (explicit !== undefined && explicit !== '') {
    const port = Number(explicit);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${what}: "${explicit}" is not a port number`);
    if (!(await isFree(port))) throw new Error(`${what} ${port} is already in use`);
    return port;
  }
  if (await isFree(fallback)) return fallback;
  const port = await anyFreePort();
  if (what === 'PORT') say(`Port ${fallback} is taken; using ${port} for the bot.`);
  else {
    // The bot keeps the playground's address (its serviceUrl) from the moment a channel is bound.
    say(`Port ${fallback} is taken; using ${port} for the playground. Channels bound in an earlier session, on another port, need "bind" again.`);
  }
  return port;
}

function playgroundCli() {
  try {
    return require.resolve('@microsoft/m365agentsplayground/cli.js', { paths: [ROOT] });
  } catch {
    throw new Error('@microsoft/m365agentsplayground is not installed: run npm install (it is a devDependency)');
  }
}

/** Spawns a child in its own process group, so stopping it stops everything it started. */
function start(name, args, env, logFile) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const record = { name, child, output: '', exited: false, code: null };
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
  const take = (chunk) => {
    const text = chunk.toString();
    record.output = (record.output + text).slice(-20000);
    if (log) log.write(text);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.once('exit', (code, signal) => {
    record.exited = true;
    record.code = code ?? signal;
    if (log) log.end();
  });
  children.push(record);
  return record;
}

function killGroup(record, signal) {
  if (record.exited || record.child.pid === undefined) return;
  try {
    process.kill(-record.child.pid, signal);
  } catch {
    // Already gone.
  }
}

function waitExit(record, ms) {
  if (record.exited) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    record.child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM to each child's process group; SIGKILL to whatever is left after 5 s. */
async function stopAll() {
  // The playground first: it would otherwise log connection errors while the bot stops.
  for (const record of [...children].reverse()) killGroup(record, 'SIGTERM');
  const done = await Promise.all(children.map((r) => waitExit(r, 5000)));
  children.forEach((record, i) => {
    if (!done[i]) killGroup(record, 'SIGKILL');
  });
  await Promise.all(children.map((r) => waitExit(r, 2000)));
}

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function tail(text, lines = 25) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function fileTail(file) {
  try {
    return tail(fs.readFileSync(file, 'utf8'));
  } catch {
    return '(no log file)';
  }
}

/** Waits until both answer; throws with what each said when one dies or the time runs out. */
async function waitReady(bot, playground, botUrl, pingUrl, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let botUp = false;
  let playgroundUp = false;
  while (Date.now() < deadline) {
    if (bot.exited) throw new Error(`the bot exited (${bot.code}) before it answered:\n${tail(bot.output)}`);
    if (playground.exited) throw new Error(`the playground exited (${playground.code}) before it answered:\n${tail(playground.output)}\nPlayground log ${PLAYGROUND_LOG}:\n${fileTail(PLAYGROUND_LOG)}`);
    botUp = botUp || (await answers(botUrl));
    playgroundUp = playgroundUp || (await answers(pingUrl));
    if (botUp && playgroundUp) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const problems = [];
  if (!botUp) problems.push(`the bot did not answer ${botUrl} within ${timeoutMs} ms. Its output:\n${tail(bot.output)}`);
  if (!playgroundUp) {
    problems.push(
      `the playground did not answer ${pingUrl} within ${timeoutMs} ms. A playground with a bad ${path.basename(CONFIG_FILE)} listens but never answers; ` +
        `the reason is in its log, ${PLAYGROUND_LOG}:\n${fileTail(PLAYGROUND_LOG)}`,
    );
  }
  throw new Error(problems.join('\n\n'));
}

/** The playground may pick another port than asked if its own is taken: it says which in "Listening on N". */
async function listeningPort(record, asked, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !record.exited) {
    const m = /Listening on (\d+)/.exec(record.output);
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 100));
  }
  return asked;
}

function printInstructions(playgroundUrl, botPort, database) {
  const lines = [
    '',
    'SOC Reminders is running in the Microsoft 365 Agents Playground (no Teams tenant needed).',
    '',
    `  Open   ${playgroundUrl}`,
    `  Bot    http://127.0.0.1:${botPort}/api/messages (health: /healthz, workload tab: /tab)`,
    `  Data   ${database} (kept between runs; delete it to start afresh)`,
    `  Logs   ${BOT_LOG} and ${PLAYGROUND_LOG}`,
    '',
    'In the playground (mock team "Contoso SOC", you are 김민지):',
    '  1. Under "Teams Channel" pick "SOC Monitoring". In a channel the bot only hears messages that mention it:',
    '     type @SOC, choose "SOC Reminders" from the list, then the command, and press Post.',
    '  2. @SOC Reminders bind monitoring           this channel now gets the Monitoring team\'s reminders',
    '  3. @SOC Reminders run secure-score-report   a reminder card is posted in the channel',
    '  4. On the card: "I\'m on it", then "Done" → note → "Mark as done". The card updates in place.',
    '  5. @SOC Reminders workload monitoring       the team\'s open and done tasks',
    '     Also: help, teams, tasks, overdue; "bind secops" in General gets the SecOps reminders there.',
    '',
    'Korean: the playground always sends locale en-US. Start with SOC_LOCALE=ko for Korean channel posts, or use',
    '"Mock an Activity" → "Custom activity" with "locale": "ko-KR" and a Korean command (연결, 실행, 업무량, 팀).',
    'The playground cannot show Universal Actions auto-refresh (each person\'s own view of a card).',
    '',
    'Press Ctrl-C to stop both.',
    '',
  ];
  say(lines.join('\n'));
}

async function main() {
  if (!fs.existsSync(BOT_ENTRY)) throw new Error(`${path.relative(ROOT, BOT_ENTRY)} is missing: run npm run build first (npm run playground does)`);
  if (!fs.existsSync(CONFIG_FILE)) throw new Error(`${path.relative(ROOT, CONFIG_FILE)} is missing: the playground would run with its own sample tenant`);
  const cli = playgroundCli();
  const botPort = await choosePort(process.env.PORT, DEFAULT_BOT_PORT, 'PORT');
  const askedPlaygroundPort = await choosePort(process.env.PLAYGROUND_PORT, DEFAULT_PLAYGROUND_PORT, 'PLAYGROUND_PORT');
  const database = process.env.DATABASE_URL || './data/playground.db';
  const timeoutMs = Number(process.env.PLAYGROUND_START_TIMEOUT_MS) || 60000;
  fs.mkdirSync(LOG_DIR, { recursive: true });

  const botEnv = {
    ...process.env,
    PORT: String(botPort),
    // The playground reaches the bot on 127.0.0.1; a HOST from .env (say 0.0.0.0) would make local mode refuse to start.
    HOST: '127.0.0.1',
    LOCAL_MODE_ON_NETWORK: '',
    DATABASE_URL: database,
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    // Local mode whatever .env says (set-but-empty variables are not overridden by dotenv).
    MicrosoftAppId: '',
    MicrosoftAppPassword: '',
    MicrosoftAppTenantId: '',
    ALLOWED_TENANTS: '',
  };
  const bot = start('bot', [BOT_ENTRY], botEnv, BOT_LOG);

  const endpoint = `http://127.0.0.1:${botPort}/api/messages`;
  const playgroundEnv = {
    ...process.env,
    TEAMSAPPTESTER_BROWSER: 'none',
    M365_AGENTS_PLAYGROUND_CONFIG_PATH: CONFIG_FILE,
    M365_AGENTS_PLAYGROUND_LOGFILE: PLAYGROUND_LOG,
  };
  const playground = start(
    'playground',
    [cli, '-e', endpoint, '-c', 'msteams', '--disable-telemetry', '-p', String(askedPlaygroundPort)],
    playgroundEnv,
  );

  const playgroundPort = await listeningPort(playground, askedPlaygroundPort, Math.min(timeoutMs, 30000));
  await waitReady(bot, playground, `http://127.0.0.1:${botPort}/healthz`, `http://127.0.0.1:${playgroundPort}/_debug/ping`, timeoutMs);
  printInstructions(`http://localhost:${playgroundPort}`, botPort, database);

  // Either one dying ends the session: a playground without its bot (or the reverse) only confuses.
  for (const record of [bot, playground]) {
    record.child.once('exit', (code, signal) => {
      if (stopping) return;
      fail(`the ${record.name} stopped (${code ?? signal}). Its last output:\n${tail(record.output)}`);
      void shutdown(1);
    });
  }
  // Bot warnings and errors on the console too (the full log is in devTools/).
  bot.child.stdout.on('data', (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      const m = /"level":(\d+)[\s\S]*"msg":"((?:[^"\\]|\\.)*)"/.exec(line);
      if (m && Number(m[1]) >= 40) process.stderr.write(`[bot ${Number(m[1]) >= 50 ? 'error' : 'warn'}] ${m[2]}\n`);
    }
  });
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (children.length > 0) say('\nStopping the playground and the bot…');
  await stopAll();
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));
// Last resort if the script itself fails: never leave the children running.
process.on('exit', () => {
  for (const record of children) killGroup(record, 'SIGKILL');
});

main().catch((err) => {
  fail(err instanceof Error ? err.message : String(err));
  void shutdown(1);
});
