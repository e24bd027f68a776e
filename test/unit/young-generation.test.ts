/**
 * The service's young generation (src/young-generation.ts): the process re-executes itself with 8 MB semi-spaces
 * unless whoever started it chose a size, on the command line or in NODE_OPTIONS.
 */
import { relaunchArgs, SEMI_SPACE_MB } from '../../src/young-generation';

const plain = { execArgv: [] as string[], nodeOptions: undefined, hasParentChannel: false };

describe('the young generation the service runs with', () => {
  it('is set when nobody chose one, keeping the options the process was started with', () => {
    expect(relaunchArgs(plain)).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(relaunchArgs({ ...plain, execArgv: ['--enable-source-maps', '--cpu-prof'], nodeOptions: '--max-old-space-size=512' })).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`, '--enable-source-maps', '--cpu-prof']);
  });

  it("is the operator's when they chose one: nothing is re-executed (which is also why it happens only once)", () => {
    expect(relaunchArgs({ ...plain, execArgv: ['--max-semi-space-size=32'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, execArgv: ['--max_semi_space_size=32'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, execArgv: ['--min-semi-space-size=16'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, nodeOptions: '--enable-source-maps --max-semi-space-size=64' })).toBeUndefined();
    expect(relaunchArgs({ ...plain, nodeOptions: '--max-semi-space-size=64' })).toBeUndefined();
  });

  it('is left to Node when re-executing would break how the process was started', () => {
    // A preload (an APM agent) would run twice; a debugger would be dropped; an IPC parent or a cluster primary
    // would lose its worker.
    expect(relaunchArgs({ ...plain, nodeOptions: '--require /opt/agent/register.js' })).toBeUndefined();
    expect(relaunchArgs({ ...plain, nodeOptions: '-r ./apm' })).toBeUndefined();
    expect(relaunchArgs({ ...plain, execArgv: ['--import', './otel.mjs'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, execArgv: ['--require=./x.js'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, execArgv: ['--inspect'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, execArgv: ['--inspect-brk=0.0.0.0:9229'] })).toBeUndefined();
    expect(relaunchArgs({ ...plain, hasParentChannel: true })).toBeUndefined();
    // Options that merely look alike do not count.
    expect(relaunchArgs({ ...plain, nodeOptions: '--report-on-signal --trace-warnings' })).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
  });
});
