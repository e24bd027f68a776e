/** `unbind`: this channel stops receiving the reminders of every SOC team bound to it. A SOC admin or an owner of its Teams team may. */
import type { BindingService } from '../../../reminders/binding.service';
import type { CardViews } from '../../card-views.builder';
import { t } from '../../i18n';
import { requireRole, type AccessControl } from '../../roles/access';
import { replyWithText } from '../replies';
import { channelOf, type RoutedTurn } from '../routed-turn';

export interface UnbindDeps {
  readonly bindings: Pick<BindingService, 'unbind'>;
  readonly views: Pick<CardViews, 'teamName'>;
  readonly access: AccessControl;
}

export async function unbindChannel(turn: RoutedTurn, deps: UnbindDeps): Promise<void> {
  const { locale } = turn;
  const channel = channelOf(turn.activity);
  if (!channel) return replyWithText(turn, t(locale, 'bind.needChannel'));
  await requireRole(deps.access, turn, 'unbind');
  const removed = await deps.bindings.unbind(turn.tenantId, channel.channelId);
  if (removed.length === 0) return replyWithText(turn, t(locale, 'unbind.none'));
  return replyWithText(turn, removed.map((x) => t(locale, 'unbind.done', { team: deps.views.teamName(x.id, locale) })).join('\n\n'));
}
