/**
 * The service's young generation (src/young-generation.ts): the process re-executes itself with 8 MB semi-spaces
 * unless whoever started it chose a size, on the command line or in NODE_OPTIONS.
 */
import { relaunchArgs, SEMI_SPACE_MB } from '../../src/young-generation';

describe('the young generation the service runs with', () => {
  it('is set when nobody chose one, keeping the options the process was started with', () => {
    expect(relaunchArgs([], undefined)).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(relaunchArgs(['--enable-source-maps', '--cpu-prof'], '--require ./x.js')).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`, '--enable-source-maps', '--cpu-prof']);
  });

  it("is the operator's when they chose one: nothing is re-executed (which is also why it happens only once)", () => {
    expect(relaunchArgs(['--max-semi-space-size=32'], undefined)).toBeUndefined();
    expect(relaunchArgs(['--max_semi_space_size=32'], undefined)).toBeUndefined();
    expect(relaunchArgs([], '--enable-source-maps --max-semi-space-size=64')).toBeUndefined();
    expect(relaunchArgs([], '--max-semi-space-size=64')).toBeUndefined();
  });
});
