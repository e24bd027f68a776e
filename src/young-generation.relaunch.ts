/**
 * Imported first by index.ts, for its effect: re-executes the process with the young generation of
 * young-generation.ts before the service loads anything (see there why). Nothing after this runs twice.
 */
import { relaunchArgs } from './young-generation';

const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
const args = relaunchArgs(process.execArgv, process.env.NODE_OPTIONS);
if (args && typeof execve === 'function' && process.platform !== 'win32') {
  execve(process.execPath, [process.execPath, ...args, ...process.argv.slice(1)], process.env);
}
