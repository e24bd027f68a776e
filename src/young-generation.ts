/**
 * The size of V8's young generation, set by the process itself before anything else loads (index.ts imports
 * young-generation.relaunch.ts first). Node sizes the young generation from the machine's memory: on a 23.5 GiB
 * machine its two semi-spaces grow to 64 MB each, and a service that allocates in bursts (start-up with a large
 * catalog, a fan-out of 500 posts) keeps up to 128 MB of mostly garbage resident. 8 MB semi-spaces took the idle
 * process with 500 bound channels from 127 to 115 MB and a 500-post fan-out's peak from 196 to 158 MB (both without
 * the WAL checkpointer thread), for more frequent minor collections.
 *
 * V8 reads the limit once, when the heap is made, so it cannot be set from inside a running process: the process
 * re-executes itself with the flag (`process.execve`: same pid, same stdio and environment, no second process),
 * which costs one more Node bootstrap. Whoever starts the service with a young-generation size of their own (a
 * `--max-semi-space-size` on the command line or in NODE_OPTIONS) keeps it, and nothing is re-executed. Where
 * `process.execve` does not exist (Windows, Node before 23.11) the process runs as started.
 */
export const SEMI_SPACE_MB = 8;

const FLAG = /(^|\s)--(max[-_])?semi[-_]space[-_]size\b/;

/** Node's command-line options for the re-executed process, or undefined if it should run as started. */
export function relaunchArgs(execArgv: readonly string[], nodeOptions: string | undefined): string[] | undefined {
  if (execArgv.some((a) => FLAG.test(a)) || FLAG.test(nodeOptions ?? '')) return undefined;
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, ...execArgv];
}
