/**
 * The installation family: the bot added to or removed from a team, a group chat or a personal chat
 * (`installationUpdate`, and `conversationUpdate` naming the bot among the members added or removed).
 */
import type { Catalog } from '../../catalog/catalog.types';
import type { BindingService } from '../../reminders/binding.service';
import type { Logger } from '../../logger';
import type { Locale } from '../cards/card-views';
import { renderMessageCard } from '../cards/card-renderer';
import { formatTeamList } from '../catalog-lists';
import { channelPart } from '../conversation-id';
import { t } from '../i18n';
import { replyWithCard } from './replies';
import type { RoutedTurn } from './routed-turn';

export interface InstallDeps {
  readonly bindings: Pick<BindingService, 'recordInstallation'>;
  readonly catalog: Pick<Catalog, 'teams'>;
  readonly logger: Logger;
  /** SOC_LOCALE: the channel's language. */
  readonly defaultLocale: Locale;
}

/** Records the installation and, the first time only, welcomes. */
export async function recordInstall(turn: RoutedTurn, deps: InstallDeps): Promise<void> {
  const { activity: a, tenantId } = turn;
  const channelData = (a.channelData ?? {}) as { team?: { id?: string; name?: string } };
  const scope = a.conversation?.conversationType === 'channel' || channelData.team?.id ? 'team' : a.conversation?.conversationType === 'personal' ? 'personal' : 'groupChat';
  const conversationId = scope === 'team' ? (channelData.team?.id ?? channelPart(a.conversation.id)) : a.conversation.id;
  const isNew = await deps.bindings.recordInstallation(tenantId, conversationId, scope, a.serviceUrl, a.recipient?.id ?? '', channelData.team?.name);
  deps.logger.info({ tenantId, scope, conversationId }, isNew ? 'bot installed' : 'installation seen again');
  // Teams (and the Agents Playground on each page load) repeats the event: welcome once, decided atomically by
  // the store, so two replicas receiving both events cannot both welcome.
  if (!isNew) return;
  // The welcome is read by the whole channel: it speaks the channel language, not the installer's.
  const locale = scope === 'team' ? deps.defaultLocale : turn.locale;
  const text =
    scope === 'team'
      ? t(locale, 'welcome.text', { teamName: channelData.team?.name ?? 'this team', teamList: formatTeamList(deps.catalog, locale) })
      : t(locale, 'welcome.personal');
  await replyWithCard(turn, renderMessageCard({ locale, title: t(locale, 'welcome.title'), text }));
}

export interface UninstallDeps {
  readonly bindings: Pick<BindingService, 'recordRemoval'>;
  readonly logger: Logger;
}

/** Records the removal; the bindings it deactivates stop receiving posts. Nothing can be said: the bot is gone. */
export async function recordUninstall(turn: RoutedTurn, deps: UninstallDeps): Promise<void> {
  const { activity, tenantId } = turn;
  const channelData = (activity.channelData ?? {}) as { team?: { id?: string } };
  const teamsTeamId = channelData.team?.id;
  const conversationId = teamsTeamId ?? activity.conversation.id;
  const n = await deps.bindings.recordRemoval(tenantId, conversationId, teamsTeamId);
  deps.logger.warn({ tenantId, conversationId, bindingsDeactivated: n }, 'bot removed');
}
