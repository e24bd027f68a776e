/**
 * Installations and bindings: which Teams channel receives each SOC team's reminders. Teams hands us the
 * conversation references; this decides what they mean and records them (never only in memory).
 */
import type { Kysely } from 'kysely';
import type { Catalog, SocTeam } from '../catalog/catalog.types';
import { findTeam } from '../catalog/catalog-lookup';
import {
  deactivateBindings,
  deleteBindingsOfChannel,
  findBinding,
  listBindings,
  upsertBinding,
  upsertInstallation,
  markInstallationRemoved,
  findInstallation,
  updateBindingsServiceUrl,
  type Binding,
} from '../storage/binding.repository';
import { listUnposted } from '../storage/occurrence.repository';
import { rememberTenant } from '../storage/scheduler-state.repository';
import type { Database } from '../storage/tables';
import type { Clock } from './clock';
import { NotPermitted, UnknownTeam, UntrustedServiceUrl } from './errors';
import { enqueueMessage } from './transaction';
import type { Actor } from './occurrence.types';
import type { ReminderService } from './reminder.service';

/** A Teams channel as Teams describes it. */
export interface ChannelRef {
  readonly teamsTeamId: string;
  readonly channelId: string;
  readonly channelName?: string;
  readonly serviceUrl: string;
  readonly botId: string;
}

export interface TeamBindingView {
  readonly team: SocTeam;
  readonly binding?: Binding;
  /** Open tasks recorded but not posted (no channel, or an inactive one). */
  readonly unposted: number;
}

/**
 * Judges a Teams service URL against the allow-list (teams/ implements it). A URL the bot would send its token
 * to must be one of Teams' own hosts, so none other is ever recorded.
 */
export type ServiceUrlTrust = (serviceUrl: string) => { readonly trusted: true } | { readonly trusted: false; readonly host: string; readonly reason: string };

/** How long a service URL this process wrote for a team is trusted to still be the recorded one. */
const SERVICE_URL_MEMORY_MS = 5 * 60_000;

export class BindingService {
  /** The service URL last written per tenant and Teams team, and when. */
  private readonly serviceUrls = new Map<string, { url: string; at: number }>();

  constructor(
    private readonly deps: { db: Kysely<Database>; catalog: Catalog; clock: Clock; reminders: ReminderService; trustServiceUrl: ServiceUrlTrust },
  ) {}

  /** Throws UntrustedServiceUrl unless the URL is on the allow-list. */
  private requireTrusted(serviceUrl: string): void {
    const verdict = this.deps.trustServiceUrl(serviceUrl);
    if (!verdict.trusted) throw new UntrustedServiceUrl(verdict.host, verdict.reason);
  }

  /** Finds a SOC team by id, English or Korean name (case-insensitive). */
  findTeam(ref: string): SocTeam | undefined {
    return findTeam(this.deps.catalog, ref);
  }

  /**
   * The bot was added to a team, group chat or personal chat. True when it was not installed there before.
   * Throws UntrustedServiceUrl (recording nothing) for a URL off the allow-list.
   */
  async recordInstallation(tenantId: string, conversationId: string, scope: string, serviceUrl: string, botId: string, name?: string): Promise<boolean> {
    this.requireTrusted(serviceUrl);
    const now = this.deps.clock.now();
    return this.deps.db.transaction().execute(async (trx) => {
      await rememberTenant(trx, tenantId, now);
      return upsertInstallation(trx, { tenantId, conversationId, scope, serviceUrl, botId, name, installedAt: now });
    });
  }

  /** True when the bot is recorded as installed (and not removed) in that conversation. */
  async isInstalled(tenantId: string, conversationId: string): Promise<boolean> {
    return (await findInstallation(this.deps.db, tenantId, conversationId))?.active ?? false;
  }

  /**
   * Keeps the service URL of a team's bindings current (Teams may move a tenant). Every activity carries it, so
   * the write is skipped when this process wrote the same URL for the team in the last few minutes (another
   * replica may have written a different one since: the memory is short, not trusted for long).
   * Only a URL on the allow-list is written: one activity carrying another would otherwise redirect every later
   * post of the team, with the bot's token, to it. Throws UntrustedServiceUrl (writing nothing) for such a URL.
   */
  async refreshServiceUrl(tenantId: string, teamsTeamId: string, serviceUrl: string): Promise<void> {
    this.requireTrusted(serviceUrl);
    const key = `${tenantId}|${teamsTeamId}`;
    const now = this.deps.clock.now();
    const seen = this.serviceUrls.get(key);
    if (seen && seen.url === serviceUrl && now - seen.at < SERVICE_URL_MEMORY_MS) return;
    await updateBindingsServiceUrl(this.deps.db, tenantId, teamsTeamId, serviceUrl);
    this.serviceUrls.delete(key);
    this.serviceUrls.set(key, { url: serviceUrl, at: now });
    if (this.serviceUrls.size > 10_000) this.serviceUrls.delete(this.serviceUrls.keys().next().value as string);
  }

  /** The bot was removed: the team's bindings stay on record but inactive. */
  async recordRemoval(tenantId: string, conversationId: string, teamsTeamId?: string): Promise<number> {
    const now = this.deps.clock.now();
    return this.deps.db.transaction().execute(async (trx) => {
      await markInstallationRemoved(trx, tenantId, conversationId, now);
      return teamsTeamId ? deactivateBindings(trx, tenantId, { teamsTeamId }, 'bot removed from the team') : 0;
    });
  }

  /**
   * Binds a SOC team to a channel (moving it if it was bound elsewhere), then queues the posts of open tasks
   * that were recorded while it had no usable channel. A move out of another Teams team needs
   * `mayMoveFromAnotherTeam` (a SOC admin: issue 13), else NotPermitted and nothing changes; a move out of an active
   * channel queues a note there saying who moved it and where, in the same transaction. Throws UntrustedServiceUrl
   * (binding nothing) when the channel's service URL is off the allow-list.
   */
  async bind(
    tenantId: string,
    teamRef: string,
    channel: ChannelRef,
    actor: Actor,
    options: { readonly mayMoveFromAnotherTeam: boolean; readonly teamsTeamName?: string },
  ): Promise<{ team: SocTeam; previous?: Binding; pendingPosted: number }> {
    const team = this.findTeam(teamRef);
    if (!team) throw new UnknownTeam(teamRef);
    this.requireTrusted(channel.serviceUrl);
    const now = this.deps.clock.now();
    const { previous, unposted } = await this.deps.db.transaction().execute(async (trx) => {
      const before = await findBinding(trx, tenantId, team.id);
      // An inactive binding (the bot was removed there) protects nothing: anyone who may bind may take it.
      if (before?.active && before.teamsTeamId !== channel.teamsTeamId && !options.mayMoveFromAnotherTeam) throw new NotPermitted('move-binding', 'soc-admin', { socTeamId: team.id });
      await rememberTenant(trx, tenantId, now);
      if (before?.active && before.channelId !== channel.channelId) {
        await enqueueMessage(trx, {
          tenantId,
          at: now,
          message: {
            kind: 'binding.moved',
            target: { tenantId, serviceUrl: before.serviceUrl, botId: before.botId, teamsTeamId: before.teamsTeamId, channelId: before.channelId },
            socTeamId: team.id,
            movedByName: actor.name,
            toChannelName: channel.channelName ?? channel.channelId,
            toTeamsTeamName: options.teamsTeamName ?? channel.teamsTeamId,
          },
        });
      }
      const prev = await upsertBinding(trx, {
        tenantId,
        socTeamId: team.id,
        teamsTeamId: channel.teamsTeamId,
        channelId: channel.channelId,
        channelName: channel.channelName,
        serviceUrl: channel.serviceUrl,
        botId: channel.botId,
        boundAt: now,
        boundByName: actor.name,
      });
      return { previous: prev, unposted: await listUnposted(trx, tenantId, team.id) };
    });
    const pendingPosted = unposted.length > 0 ? await this.deps.reminders.postUnposted(tenantId, team.id, unposted.map((o) => o.id)) : 0;
    const moved = previous && previous.channelId !== channel.channelId ? previous : undefined;
    return { team, previous: moved, pendingPosted };
  }

  /** Removes every binding of the channel; returns the SOC teams that were bound there. */
  async unbind(tenantId: string, channelId: string): Promise<SocTeam[]> {
    const removed = await deleteBindingsOfChannel(this.deps.db, tenantId, channelId);
    return removed.map((b) => this.deps.catalog.teams.find((t) => t.id === b.socTeamId)).filter((t): t is SocTeam => t !== undefined);
  }

  /** Every SOC team of the catalog with its binding (if any) and how many open tasks wait unposted. */
  async listTeams(tenantId: string): Promise<TeamBindingView[]> {
    const bindings = new Map((await listBindings(this.deps.db, tenantId)).map((b) => [b.socTeamId, b]));
    const out: TeamBindingView[] = [];
    for (const team of this.deps.catalog.teams) {
      out.push({ team, binding: bindings.get(team.id), unposted: (await listUnposted(this.deps.db, tenantId, team.id)).length });
    }
    return out;
  }

  /** The SOC teams whose (active) channel is in a Teams team: who may `run` for them (issue 13). */
  async teamsBoundInTeamsTeam(tenantId: string, teamsTeamId: string): Promise<string[]> {
    return (await listBindings(this.deps.db, tenantId)).filter((b) => b.active && b.teamsTeamId === teamsTeamId).map((b) => b.socTeamId);
  }

  /** The Teams team whose channel receives a SOC team's reminders (active bindings only): whose roster names its people. */
  async teamsTeamOf(tenantId: string, socTeamId: string): Promise<string | undefined> {
    return (await listBindings(this.deps.db, tenantId)).find((b) => b.active && b.socTeamId === socTeamId)?.teamsTeamId;
  }

  /** The SOC teams bound to a channel. */
  async teamsOfChannel(tenantId: string, channelId: string): Promise<SocTeam[]> {
    const bindings = await listBindings(this.deps.db, tenantId);
    return bindings
      .filter((b) => b.channelId === channelId)
      .map((b) => this.deps.catalog.teams.find((t) => t.id === b.socTeamId))
      .filter((t): t is SocTeam => t !== undefined);
  }
}
