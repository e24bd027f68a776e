/**
 * Who a person named only by an Entra object id is (issue 14): the people picker of Reassign / Hand over and the
 * mentions of `rotation set` give an id, and a task must carry a name people can read. Asked in order: the team's
 * rotation (the names an admin or the catalog gave), then Teams' roster of the conversation acted from
 * (TeamsInfo.getMember takes an Entra object id as well as a Teams user id), then the roster of the Teams team
 * that receives the task's reminders (a press from a 1:1 chat or another team's channel). A person none knows is
 * refused, rather than stored as a bare GUID. Microsoft Graph's `/users/{id}` is not asked: it needs a
 * tenant-wide permission (User.ReadBasic.All), and the bot's only Graph permission is the team-scoped
 * TeamMember.Read.Group (roles/graph-client.ts).
 */
import type { TurnContext } from 'botbuilder';
import { botbuilder } from './bot-framework';
import type { Person } from '../catalog/catalog.types';
import { isEntraObjectId } from '../reminders/assignment';
import { InvalidInput } from '../reminders/errors';
import type { Assignee } from '../reminders/occurrence.types';
import type { Logger } from '../logger';

/**
 * The person with Entra object id `aadObjectId`, named from `rotation` or the roster. Throws InvalidInput:
 * `assignee-not-entra-id` for a value that is not a GUID, `assignee-unknown` for someone neither knows.
 */
export async function resolvePerson(context: TurnContext, aadObjectId: string, rotation: readonly Person[], logger: Logger, taskTeamsTeamId?: string): Promise<Assignee> {
  const id = aadObjectId.trim().toLowerCase();
  if (!isEntraObjectId(id)) throw new InvalidInput('assignee-not-entra-id');
  const known = rotation.find((p) => p.id === id);
  if (known) return { aadObjectId: id, name: known.name };
  const here = (context.activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
  const rosters: (() => Promise<{ aadObjectId?: string; name?: string; tenantId?: string }>)[] = [() => botbuilder().TeamsInfo.getMember(context, id)];
  if (taskTeamsTeamId && taskTeamsTeamId !== here) rosters.push(() => botbuilder().TeamsInfo.getTeamMember(context, taskTeamsTeamId, id));
  for (const ask of rosters) {
    try {
      const member = await ask();
      // The roster answered for someone else (a forged id that matched a Teams user id), or for a person of another
      // organisation (a shared channel's external member): not a person this tenant's tasks can go to.
      if (member.aadObjectId?.toLowerCase() === id && member.name && ofThisTenant(context, member)) return { aadObjectId: id, name: member.name.slice(0, 200) };
    } catch (err) {
      logger.debug({ err: err instanceof Error ? err.message : String(err), tenantId: context.activity.conversation?.tenantId }, 'the person chosen is not in this Teams roster');
    }
  }
  throw new InvalidInput('assignee-unknown');
}

/**
 * False for a roster member Teams names with another tenant (an external member of a shared channel): their Entra
 * object id is their home tenant's, and a rotation or an assignee must be a person of the tenant the task is in.
 */
function ofThisTenant(context: TurnContext, member: { readonly tenantId?: string }): boolean {
  const tenantId = context.activity.conversation?.tenantId ?? (context.activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  return !member.tenantId || !tenantId || member.tenantId.toLowerCase() === tenantId.toLowerCase();
}

/** A mentioned person of a message: their Teams user id and name from the mention entity, and Entra id when Teams gave it. */
interface Mentioned {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId?: string;
}

/** The people mentioned in a message, in the order Teams lists them, the bot itself left out. */
export function mentionedPeople(entities: unknown, botId: string | undefined): Mentioned[] {
  if (!Array.isArray(entities)) return [];
  const out: Mentioned[] = [];
  for (const e of entities.slice(0, 100)) {
    const m = (e as { type?: unknown; mentioned?: { id?: unknown; name?: unknown; aadObjectId?: unknown } } | null) ?? {};
    if (m.type !== 'mention' || typeof m.mentioned?.id !== 'string' || m.mentioned.id === botId) continue;
    out.push({
      id: m.mentioned.id.slice(0, 200),
      name: typeof m.mentioned.name === 'string' ? m.mentioned.name.slice(0, 200) : m.mentioned.id.slice(0, 200),
      ...(typeof m.mentioned.aadObjectId === 'string' && { aadObjectId: m.mentioned.aadObjectId.slice(0, 100) }),
    });
  }
  return out;
}

/**
 * The mentioned people as rotation members, each asked from the roster by their Teams user id: a mention's own
 * Entra object id is not enough, since an external member of a shared channel has one too (their home tenant's).
 * Throws InvalidInput (`assignee-unknown`) for someone the roster does not know, or knows in another tenant.
 */
export async function mentionsAsPeople(context: TurnContext, mentioned: readonly Mentioned[], logger: Logger): Promise<Person[]> {
  const people: Person[] = [];
  for (const m of mentioned) {
    try {
      const member = await botbuilder().TeamsInfo.getMember(context, m.id);
      const id = member.aadObjectId?.toLowerCase();
      const sameId = !m.aadObjectId || m.aadObjectId.toLowerCase() === id;
      if (id && isEntraObjectId(id) && sameId && ofThisTenant(context, member)) {
        people.push({ id, name: m.name || member.name });
        continue;
      }
    } catch (err) {
      logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'a mentioned person is not in the Teams roster');
    }
    throw new InvalidInput('assignee-unknown');
  }
  return people;
}
