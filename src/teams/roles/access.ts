/**
 * Who may change what (issue 13). Roles come from Teams itself:
 *  - SOC admin: named in SOC_ADMINS (Entra object id or UPN); may do everything everywhere. In local mode with
 *    SOC_ADMINS unset everyone is one, so the one-minute try-out works (the start-up warning says so);
 *  - team owner: an owner of the Teams team that holds the channel, read from Microsoft Graph (graph-client.ts);
 *  - member: anyone else in the team's roster;
 *  - guest: the roster's `userRole` is "guest" (Entra B2B guests) or "anonymous"; Teams answers "user" for
 *    members and owners alike (botframework-schema TeamsChannelAccount.userRole; Teams' getMember docs).
 * The rules are `requiredRole` (README's table) and a rank; routes ask `requireRole` before they change anything.
 */
import type { SkipPolicy } from '../../catalog/catalog.types';
import type { Clock } from '../../reminders/clock';
import { NotPermitted, type GuardedAction, type RequiredRole } from '../../reminders/errors';
import type { Logger } from '../../logger';
import { botbuilder } from '../bot-framework';
import { channelOf, type RoutedTurn } from '../routes/routed-turn';
import { GraphUnavailable, type TeamOwnerDirectory } from './graph-client';

export type Role = 'soc-admin' | 'team-owner' | 'member' | 'guest';

export interface RoleAnswer {
  readonly role: Role;
  /** Teams or Graph could not be asked: the role is the safe guess (a guest without the roster, a member without Graph). */
  readonly unverified: boolean;
}

/** What routes ask. Tests may stand in for it. */
export interface AccessControl {
  /** The sender's role in the Teams team the activity comes from (outside a team: admin, member or guest). */
  roleOf(turn: RoutedTurn): Promise<RoleAnswer>;
}

/** The least role each action needs (README's table). `skip` follows the activity's catalog `skip:`. */
export function requiredRole(action: GuardedAction, skipPolicy: SkipPolicy = 'owners'): RequiredRole {
  switch (action) {
    case 'bind':
    case 'unbind':
      return 'team-owner';
    case 'move-binding':
      return 'soc-admin';
    case 'reassign':
    case 'rotation':
      return 'team-owner';
    case 'run':
    case 'act':
      return 'member';
    case 'skip':
      return skipPolicy === 'anyone' ? 'member' : 'team-owner';
  }
}

const RANK: Readonly<Record<Role, number>> = { guest: 0, member: 1, 'team-owner': 2, 'soc-admin': 3 };

export function hasRole(role: Role, need: RequiredRole): boolean {
  return RANK[role] >= RANK[need];
}

/** The sender's role when it is enough for `action`; else throws NotPermitted (the route answers and logs it). */
export async function requireRole(access: AccessControl, turn: RoutedTurn, action: GuardedAction, about: { skipPolicy?: SkipPolicy; activityId?: string; socTeamId?: string } = {}): Promise<RoleAnswer> {
  const answer = await access.roleOf(turn);
  const need = requiredRole(action, about.skipPolicy);
  if (!hasRole(answer.role, need)) throw new NotPermitted(action, need, { unverified: answer.unverified, guest: answer.role === 'guest', activityId: about.activityId, socTeamId: about.socTeamId });
  return answer;
}

export interface TeamsAccessControlOptions {
  /** SOC_ADMINS, lower-cased. */
  readonly admins: readonly string[];
  /** Local mode without SOC_ADMINS: everyone is a SOC admin. */
  readonly everyoneIsAdmin: boolean;
  /** Graph; undefined where it cannot be asked (local mode without a stand-in): nobody is known as an owner. */
  readonly owners?: TeamOwnerDirectory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a role answer is reused. @default 5 minutes */
  readonly ttlMs?: number;
  /** Answers kept at most (oldest dropped). @default 5000 */
  readonly maxEntries?: number;
}

/**
 * Roles from Teams' roster and Graph, kept briefly: a busy channel presses buttons all day, and Teams limits
 * roster reads per bot (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit). An answer that
 * could not be verified is not kept, so the next attempt asks again.
 */
export class TeamsAccessControl implements AccessControl {
  private readonly admins: ReadonlySet<string>;
  private readonly cache = new Map<string, { answer: RoleAnswer; at: number }>();

  constructor(private readonly opts: TeamsAccessControlOptions) {
    this.admins = new Set(opts.admins.map((a) => a.toLowerCase()));
  }

  async roleOf(turn: RoutedTurn): Promise<RoleAnswer> {
    if (this.opts.everyoneIsAdmin) return { role: 'soc-admin', unverified: false };
    const from = turn.activity.from ?? { id: '', name: '' };
    const aad = from.aadObjectId?.toLowerCase();
    if (aad && this.admins.has(aad)) return { role: 'soc-admin', unverified: false };
    const channel = channelOf(turn.activity);
    const key = `${turn.tenantId}|${channel?.teamsTeamId ?? '-'}|${aad ?? from.id}`;
    const now = this.opts.clock.now();
    const kept = this.cache.get(key);
    if (kept && now - kept.at < (this.opts.ttlMs ?? 5 * 60_000)) return kept.answer;
    const answer = await this.ask(turn, channel?.teamsTeamId, aad);
    if (!answer.unverified) {
      this.cache.delete(key);
      this.cache.set(key, { answer, at: now });
      if (this.cache.size > (this.opts.maxEntries ?? 5000)) this.cache.delete(this.cache.keys().next().value as string);
    }
    return answer;
  }

  private async ask(turn: RoutedTurn, teamsTeamId: string | undefined, aad: string | undefined): Promise<RoleAnswer> {
    const { context } = turn;
    let upn: string | undefined;
    let userRole: string | undefined;
    try {
      // In a channel the roster is the team's; elsewhere the conversation's.
      const member = await botbuilder().TeamsInfo.getMember(context, turn.activity.from.id);
      upn = member.userPrincipalName?.toLowerCase() ?? member.email?.toLowerCase();
      userRole = member.userRole?.toLowerCase();
    } catch (err) {
      this.opts.logger.warn({ err: messageOf(err), aadObjectId: aad, tenantId: turn.tenantId }, 'could not read the sender from the Teams roster; treated as a guest');
      return { role: 'guest', unverified: true };
    }
    if (upn && this.admins.has(upn)) return { role: 'soc-admin', unverified: false };
    if (userRole === 'guest' || userRole === 'anonymous') return { role: 'guest', unverified: false };
    if (!teamsTeamId || !this.opts.owners) return { role: 'member', unverified: false };
    try {
      const details = await botbuilder().TeamsInfo.getTeamDetails(context, teamsTeamId);
      if (!details.aadGroupId) throw new GraphUnavailable('Teams did not say the team\'s group id');
      const owners = await this.opts.owners.ownersOf(turn.tenantId, details.aadGroupId);
      const isOwner = (aad !== undefined && owners.ids.has(aad)) || (upn !== undefined && owners.ids.has(upn));
      return { role: isOwner ? 'team-owner' : 'member', unverified: false };
    } catch (err) {
      // The safe side: not an owner. The refusal says ownership could not be checked.
      this.opts.logger.warn({ err: messageOf(err), aadObjectId: aad, tenantId: turn.tenantId, teamsTeamId }, 'could not read the team\'s owners from Microsoft Graph; treated as a member');
      return { role: 'member', unverified: true };
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
