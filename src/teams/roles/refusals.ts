/**
 * The words of a refusal (issue 13): what is needed and who can do it, in the person's language. error-answers.ts
 * calls these for NOT_PERMITTED and TOO_MANY_RUNS, for chat commands and card presses alike.
 */
import type { NotPermitted, TooManyRuns } from '../../reminders/errors';
import type { Locale } from '../cards/card-views';
import type { CardViews } from '../card-views.builder';
import { formatDateTime } from '../formatting';
import { t } from '../i18n';

export function explainNotPermitted(err: NotPermitted, locale: Locale, views: Pick<CardViews, 'title' | 'teamName'>): string {
  const { detail } = err;
  const activity = detail.activityId ? views.title(detail.activityId, locale) : '';
  let text: string;
  switch (err.action) {
    case 'bind':
      text = t(locale, 'access.refused.bind');
      break;
    case 'unbind':
      text = t(locale, 'access.refused.unbind');
      break;
    case 'move-binding':
      text = t(locale, 'access.refused.moveBinding', { team: detail.socTeamId ? views.teamName(detail.socTeamId, locale) : '' });
      break;
    case 'run':
      text = detail.guest ? t(locale, 'access.refused.runGuest') : t(locale, 'access.refused.run', { activity });
      break;
    case 'skip':
      text = detail.guest ? t(locale, 'access.refused.act') : t(locale, 'access.refused.skip', { activity });
      break;
    case 'act':
      text = t(locale, 'access.refused.act');
      break;
    case 'reassign':
      text = detail.guest ? t(locale, 'access.refused.act') : t(locale, 'assign.refusedReassign');
      break;
    case 'rotation':
      text = t(locale, 'assign.refusedRotation', { team: detail.socTeamId ? views.teamName(detail.socTeamId, locale) : '' });
      break;
  }
  return detail.unverified ? `${text}\n\n${t(locale, 'access.refused.ownershipUnknown')}` : text;
}

/** @param timezone where the time of the next allowed run is read (the catalog's) */
export function explainTooManyRuns(err: TooManyRuns, locale: Locale, timezone: string): string {
  return t(locale, 'access.tooManyRuns', { limit: err.limit, minutes: Math.round(err.windowMs / 60_000), time: formatDateTime(err.retryAt, timezone, locale) });
}
