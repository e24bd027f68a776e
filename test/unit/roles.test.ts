/** The rules of who may change what (issue 13), as README's table states them. */
import type { GuardedAction } from '../../src/reminders/errors';
import { hasRole, requiredRole, type Role } from '../../src/teams/roles/access';

const ROLES: readonly Role[] = ['soc-admin', 'team-owner', 'member', 'guest'];
/** README's table: for each action, the roles that may. */
const TABLE: Readonly<Record<string, readonly Role[]>> = {
  bind: ['soc-admin', 'team-owner'],
  unbind: ['soc-admin', 'team-owner'],
  'move-binding': ['soc-admin'],
  run: ['soc-admin', 'team-owner', 'member'],
  act: ['soc-admin', 'team-owner', 'member'],
  'skip (owners)': ['soc-admin', 'team-owner'],
  'skip (anyone)': ['soc-admin', 'team-owner', 'member'],
};

describe('who may do what', () => {
  it.each(Object.entries(TABLE))('%s: %j', (row, allowed) => {
    const [action, policy] = row.split(' ') as [GuardedAction, string | undefined];
    const need = requiredRole(action, policy === '(anyone)' ? 'anyone' : 'owners');
    expect(ROLES.filter((r) => hasRole(r, need))).toEqual(allowed);
  });

  it('never lets a guest change anything', () => {
    for (const action of ['bind', 'unbind', 'move-binding', 'run', 'act', 'skip'] as const) {
      expect(hasRole('guest', requiredRole(action, 'anyone'))).toBe(false);
    }
  });
});
