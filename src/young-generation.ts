/**
 * The size of V8's young generation, set by the process itself before anything else loads (index.ts imports
 * young-generation.relaunch.ts first). Node sizes the young generation from the machine's memory: on a 23.5 GiB
 * machine its two semi-spaces grow to 64 MB each, and a service that allocates in bursts (start-up with a large
 * catalog, a fan-out of 500 posts) keeps up to 128 MB of mostly garbage resident. 8 MB semi-spaces took the idle
 * process with 500 bound channels from 127 to 115 MB and a 500-post fan-out's peak from 196 to 158 MB (both without
 * the WAL checkpointer thread), for more frequent minor collections.
 *
 * V8 reads the limit once, when the heap is made, so it cannot be set from inside a running process. The start
 * commands (package.json's `start`, the Dockerfile's CMD, infra/main.bicep) give the flag; a process started without
 * it re-executes itself with the flag (`process.execve`: same pid, same stdio and environment, no second process),
 * which costs one more Node bootstrap (80–130 ms of start-up). Whoever starts the service with a young-generation size of their own (a
 * `--max-semi-space-size` on the command line or in NODE_OPTIONS) keeps it, and nothing is re-executed; nor is it
 * when re-executing would break how the process was started (below: an IPC parent or cluster, a preload, an
 * inspector). Where `process.execve` does not exist (Windows, Node before 23.11) the process runs as started.
 */
export const SEMI_SPACE_MB = 8;

/** A young-generation size of the operator's own: the maximum, the minimum or the growth of the semi-spaces. */
const OWN_SIZE = /(^|\s)--(max[-_]|min[-_])?semi[-_]space[-_]/;
/**
 * What a re-executed image would break, so the process runs as started (with Node's young generation):
 * - a preload (`--require`, `-r`, `--import`, a loader: an APM agent such as Application Insights') would run twice;
 * - an inspector (`--inspect`, `--inspect-brk`) would drop its debugger, and `-brk` stop twice;
 */
const BREAKS_ON_RE_EXEC = /(^|\s)(-r|--require|--import|--loader|--experimental-loader|--inspect[-\w]*|--debug[-\w]*)(=|\s|$)/;

/** How the process was started, as far as re-executing it goes. */
export interface StartedAs {
  readonly execArgv: readonly string[];
  readonly nodeOptions: string | undefined;
  /**
   * True when a parent talks to the process over IPC (`child_process.fork`, PM2) or it is a `cluster` worker
   * (NODE_UNIQUE_ID): the channel does not survive the re-execution, and a worker would start as a primary.
   */
  readonly hasParentChannel: boolean;
}

/** Node's command-line options for the re-executed process, or undefined if it should run as started. */
export function relaunchArgs(started: StartedAs): string[] | undefined {
  const { execArgv, nodeOptions = '' } = started;
  if (started.hasParentChannel) return undefined;
  const given = [...execArgv, nodeOptions];
  if (given.some((a) => OWN_SIZE.test(a) || BREAKS_ON_RE_EXEC.test(a))) return undefined;
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, ...execArgv];
}
