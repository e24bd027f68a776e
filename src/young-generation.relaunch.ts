/**
 * Imported first by index.ts, for its effect: re-executes the process with the young generation of
 * young-generation.ts before the service loads anything (see there why). Nothing after this runs twice.
 */
import { accessSync, constants } from 'node:fs';
import { relaunchArgs } from './young-generation';

const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
const args = relaunchArgs({
  execArgv: process.execArgv,
  nodeOptions: process.env.NODE_OPTIONS,
  hasParentChannel: process.channel !== undefined || process.env.NODE_CHANNEL_FD !== undefined || process.env.NODE_UNIQUE_ID !== undefined,
});
if (args && typeof execve === 'function' && process.platform !== 'win32' && canExecute(process.execPath)) {
  execve(process.execPath, [process.execPath, ...args, ...process.argv.slice(1)], process.env);
}

/** A failed execve cannot be caught (the process aborts): run as started rather than risk it. */
function canExecute(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
