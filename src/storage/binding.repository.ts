/** Where the bot is installed, which Teams channel each SOC team is bound to, and which tenants are known. */
import type { Db } from './occurrence.repository';
import type { BindingRow, InstallationRow } from './tables';

export interface Binding {
  readonly tenantId: string;
  readonly socTeamId: string;
  readonly teamsTeamId: string;
  readonly channelId: string;
  readonly channelName?: string;
  readonly serviceUrl: string;
  readonly botId: string;
  readonly active: boolean;
  readonly inactiveReason?: string;
  readonly boundAt: number;
  readonly boundByName?: string;
}

function toBinding(r: BindingRow): Binding {
  return {
    tenantId: r.tenant_id,
    socTeamId: r.soc_team_id,
    teamsTeamId: r.teams_team_id,
    channelId: r.channel_id,
    channelName: r.channel_name ?? undefined,
    serviceUrl: r.service_url,
    botId: r.bot_id,
    active: Number(r.active) === 1,
    inactiveReason: r.inactive_reason ?? undefined,
    boundAt: Number(r.bound_at),
    boundByName: r.bound_by_name ?? undefined,
  };
}

/** Binds a SOC team to a channel, replacing its previous channel. Returns the previous binding, if any. */
export async function upsertBinding(db: Db, b: Omit<Binding, 'active' | 'inactiveReason'>): Promise<Binding | undefined> {
  const previous = await findBinding(db, b.tenantId, b.socTeamId);
  const values = {
    teams_team_id: b.teamsTeamId,
    channel_id: b.channelId,
    channel_name: b.channelName ?? null,
    service_url: b.serviceUrl,
    bot_id: b.botId,
    active: 1,
    inactive_reason: null,
    bound_at: b.boundAt,
    bound_by_name: b.boundByName ?? null,
  };
  await db
    .insertInto('bindings')
    .values({ tenant_id: b.tenantId, soc_team_id: b.socTeamId, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'soc_team_id']).doUpdateSet(values))
    .execute();
  return previous;
}

export async function findBinding(db: Db, tenantId: string, socTeamId: string): Promise<Binding | undefined> {
  const row = await db.selectFrom('bindings').selectAll().where('tenant_id', '=', tenantId).where('soc_team_id', '=', socTeamId).executeTakeFirst();
  return row ? toBinding(row) : undefined;
}

export async function listBindings(db: Db, tenantId: string): Promise<Binding[]> {
  const rows = await db.selectFrom('bindings').selectAll().where('tenant_id', '=', tenantId).orderBy('soc_team_id').execute();
  return rows.map(toBinding);
}

export async function listBindingsOfChannel(db: Db, tenantId: string, channelId: string): Promise<Binding[]> {
  const rows = await db.selectFrom('bindings').selectAll().where('tenant_id', '=', tenantId).where('channel_id', '=', channelId).orderBy('soc_team_id').execute();
  return rows.map(toBinding);
}

export async function deleteBindingsOfChannel(db: Db, tenantId: string, channelId: string): Promise<Binding[]> {
  const existing = await listBindingsOfChannel(db, tenantId, channelId);
  await db.deleteFrom('bindings').where('tenant_id', '=', tenantId).where('channel_id', '=', channelId).execute();
  return existing;
}

/** Marks bindings inactive (bot removed, blocked, conversation gone) without forgetting where they were. */
export async function deactivateBindings(db: Db, tenantId: string, where: { teamsTeamId?: string; channelId?: string }, reason: string): Promise<number> {
  let q = db.updateTable('bindings').set({ active: 0, inactive_reason: reason }).where('tenant_id', '=', tenantId);
  if (where.teamsTeamId) q = q.where('teams_team_id', '=', where.teamsTeamId);
  if (where.channelId) q = q.where('channel_id', '=', where.channelId);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows ?? 0);
}

/** Marks inactive the bindings of a tenant that point at this service URL (one found untrusted). */
export async function deactivateBindingsWithServiceUrl(db: Db, tenantId: string, serviceUrl: string, reason: string): Promise<number> {
  const res = await db.updateTable('bindings').set({ active: 0, inactive_reason: reason }).where('tenant_id', '=', tenantId).where('service_url', '=', serviceUrl).executeTakeFirst();
  return Number(res.numUpdatedRows ?? 0);
}

export interface Installation {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly scope: string;
  readonly serviceUrl: string;
  readonly botId: string;
  readonly name?: string;
  readonly active: boolean;
  readonly installedAt: number;
}

function toInstallation(r: InstallationRow): Installation {
  return {
    tenantId: r.tenant_id,
    conversationId: r.conversation_id,
    scope: r.scope,
    serviceUrl: r.service_url,
    botId: r.bot_id,
    name: r.name ?? undefined,
    active: Number(r.active) === 1,
    installedAt: Number(r.installed_at),
  };
}

/**
 * Records an installation. Returns true only when this call made it active (new, or reinstalled after a removal):
 * one statement decides, so of two racing calls exactly one gets true.
 */
export async function upsertInstallation(db: Db, i: Omit<Installation, 'active'>): Promise<boolean> {
  const values = { scope: i.scope, service_url: i.serviceUrl, bot_id: i.botId, name: i.name ?? null, active: 1, installed_at: i.installedAt, removed_at: null };
  const row = await db
    .insertInto('installations')
    .values({ tenant_id: i.tenantId, conversation_id: i.conversationId, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'conversation_id']).doUpdateSet(values).where('installations.active', '=', 0))
    .returning('tenant_id')
    .executeTakeFirst();
  if (row) return true;
  // Already active: keep its service URL and name current all the same.
  await db
    .updateTable('installations')
    .set({ service_url: i.serviceUrl, name: i.name ?? null })
    .where('tenant_id', '=', i.tenantId)
    .where('conversation_id', '=', i.conversationId)
    .execute();
  return false;
}

/** Points every binding of a Teams team at a new service URL (only rows that differ are touched). */
export async function updateBindingsServiceUrl(db: Db, tenantId: string, teamsTeamId: string, serviceUrl: string): Promise<void> {
  await db.updateTable('bindings').set({ service_url: serviceUrl }).where('tenant_id', '=', tenantId).where('teams_team_id', '=', teamsTeamId).where('service_url', '!=', serviceUrl).execute();
}

export async function markInstallationRemoved(db: Db, tenantId: string, conversationId: string, at: number): Promise<void> {
  await db.updateTable('installations').set({ active: 0, removed_at: at }).where('tenant_id', '=', tenantId).where('conversation_id', '=', conversationId).execute();
}

export async function findInstallation(db: Db, tenantId: string, conversationId: string): Promise<Installation | undefined> {
  const row = await db.selectFrom('installations').selectAll().where('tenant_id', '=', tenantId).where('conversation_id', '=', conversationId).executeTakeFirst();
  return row ? toInstallation(row) : undefined;
}
