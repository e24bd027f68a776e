/**
 * `rotation [«team»]`: who is in a SOC team's rotation and whose turn is next (every team without one named).
 * `rotation set «team» @person @person…`: the people mentioned, in order, become the team's rotation from its
 * first person; `rotation reset «team»`: back to the catalog's. No restart: the next task created reads it.
 * Who may change one (issue 14, as for bind): a SOC admin, or an owner of the Teams team whose channel receives
 * that SOC team's reminders, from a channel of that Teams team. Every change is recorded (`rotation_changes`:
 * who, which team, from what to what, when; `soc-reminders audit rotations`). Showing one needs nobody.
 */
import type { Catalog, Person } from '../../../catalog/catalog.types';
import type { RotationView } from '../../../reminders/assignment';
import type { BindingService } from '../../../reminders/binding.service';
import { NotPermitted } from '../../../reminders/errors';
import type { ReminderService } from '../../../reminders/reminder.service';
import type { Logger } from '../../../logger';
import type { Locale } from '../../cards/card-views';
import type { CardViews } from '../../card-views.builder';
import { formatTeamList } from '../../catalog-lists';
import { parseRotationArgs } from '../../commands';
import { formatDateTime } from '../../formatting';
import { t } from '../../i18n';
import { mentionedPeople, mentionsAsPeople } from '../../people';
import { requireRole, type AccessControl } from '../../roles/access';
import { replyWithCard, replyWithText } from '../replies';
import { renderMessageCard } from '../../cards/card-renderer';
import { actorOf, channelOf, type RoutedTurn } from '../routed-turn';

export interface RotationDeps {
  readonly reminders: Pick<ReminderService, 'rotation' | 'changeRotation'>;
  readonly bindings: Pick<BindingService, 'teamsBoundInTeamsTeam'>;
  readonly catalog: Pick<Catalog, 'teams' | 'timezone'>;
  readonly views: Pick<CardViews, 'teamName'>;
  readonly access: AccessControl;
  readonly logger: Logger;
}

/** An unknown team, a refusal and a bad list of people are answered by the message route (error-answers.ts). */
export async function answerRotation(turn: RoutedTurn, args: string, deps: RotationDeps): Promise<void> {
  const { locale } = turn;
  const { action, team } = parseRotationArgs(args);
  if (action === 'show') {
    const teams = team === '' ? deps.catalog.teams.map((x) => x.id) : [team];
    const lines: string[] = [];
    for (const ref of teams) lines.push(describe(await deps.reminders.rotation(turn.tenantId, ref), locale, deps));
    return replyWithCard(turn, renderMessageCard({ locale, title: t(locale, 'assign.rotationTitle'), text: lines.join('\n\n') }));
  }
  if (team === '') return replyWithText(turn, t(locale, 'assign.rotationMissingTeam', { teamList: formatTeamList(deps.catalog, locale) }));
  // The text names the team (Teams' mention tags are not part of it); an unknown one throws UnknownTeam.
  const socTeam = (await deps.reminders.rotation(turn.tenantId, team)).team;
  await requireMayChange(turn, socTeam.id, deps);
  let members: Person[] | undefined;
  if (action === 'set') members = await mentionsAsPeople(turn.context, mentionedPeople(turn.activity.entities, turn.activity.recipient?.id), deps.logger);
  const { before, after } = await deps.reminders.changeRotation(turn.tenantId, socTeam.id, members, actorOf(turn.activity));
  const name = deps.views.teamName(socTeam.id, locale);
  const key = action === 'set' ? 'assign.rotationSet' : 'assign.rotationReset';
  return replyWithText(turn, t(locale, key, { team: name, members: list(after.members, locale), next: after.next?.name ?? t(locale, 'assign.nobody'), before: list(before.members, locale) }));
}

/** A SOC admin anywhere; an owner of the Teams team that receives the SOC team's reminders, from that Teams team. */
async function requireMayChange(turn: RoutedTurn, socTeamId: string, deps: RotationDeps): Promise<void> {
  const { role } = await requireRole(deps.access, turn, 'rotation', { socTeamId });
  if (role === 'soc-admin') return;
  const channel = channelOf(turn.activity);
  const here = channel ? await deps.bindings.teamsBoundInTeamsTeam(turn.tenantId, channel.teamsTeamId) : [];
  if (!here.includes(socTeamId)) throw new NotPermitted('rotation', 'soc-admin', { socTeamId });
}

function describe(r: RotationView, locale: Locale, deps: Pick<RotationDeps, 'views' | 'catalog'>): string {
  const team = deps.views.teamName(r.team.id, locale);
  const source =
    r.source === 'chat' && r.updatedAt !== undefined
      ? t(locale, 'assign.sourceChat', { name: r.updatedByName ?? '?', time: formatDateTime(r.updatedAt, deps.catalog.timezone, locale) })
      : t(locale, 'assign.sourceCatalog');
  if (!r.next) return t(locale, 'assign.rotationNone', { team, source });
  return t(locale, 'assign.rotationShow', { team, members: list(r.members, locale), next: r.next.name, source });
}

function list(members: readonly Person[], locale: Locale): string {
  return members.length === 0 ? t(locale, 'assign.nobody') : members.map((p) => p.name).join(', ');
}
