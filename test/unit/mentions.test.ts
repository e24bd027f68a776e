/**
 * @mentions on cards (issue 14): whom each card mentions, the `<at>` text matching the entity exactly, in a TextBlock
 * (where Teams looks for it), names cleaned of Markdown inside the tag, English and Korean.
 */
import { parseCatalog } from '../../src/catalog/catalog.loader';
import type { Occurrence } from '../../src/reminders/occurrence.types';
import { renderEscalationCard, renderNudgeCard, renderReminderCard } from '../../src/teams/cards/card-renderer';
import { personOnTask } from '../../src/reminders/personal';
import { CardViews, mentionName } from '../../src/teams/card-views.builder';
import { mentionsOf, textBlocksOf } from '../support/mentions';

const CATALOG = parseCatalog(
  `
teams:
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
    tag: { id: tag-oncall, name: Monitoring on call }
  - id: secops
    name: SecOps
activities:
  - id: queue-review
    title: Review the incident queue
    title_ko: 인시던트 큐 검토
    description: Review it.
    teams: [monitoring, secops]
`,
  { defaultTimezone: 'Asia/Seoul' },
);
const NOW = Date.parse('2026-03-09T01:00:00Z');
const views = new CardViews(CATALOG, () => NOW);

function task(fields: Partial<Occurrence> = {}): Occurrence {
  return {
    id: '0b7c1e7e-3f0a-4a59-9a41-1c1f0c7d1a11',
    tenantId: 't1',
    activityId: 'queue-review',
    teamId: 'monitoring',
    scheduledAt: NOW,
    dueAt: NOW + 3_600_000,
    trigger: 'on-demand',
    state: 'open',
    createdAt: NOW,
    postedAt: NOW,
    ...fields,
  };
}

describe('mentions on cards', () => {
  it('mentions the assignee on the reminder card by Entra object id, with the <at> text in a TextBlock, in English and Korean', () => {
    const o = task({ assignee: { aadObjectId: 'aad-kim', name: '김민지' } });
    for (const [locale, line] of [
      ['en', 'For <at>김민지</at>'],
      ['ko', '담당: <at>김민지</at>'],
    ] as const) {
      const card = renderReminderCard(views.reminder(o, NOW, locale));
      expect(mentionsOf(card)).toEqual([{ type: 'mention', text: '<at>김민지</at>', mentioned: { id: 'aad-kim', name: '김민지' } }]);
      expect(textBlocksOf(card)).toContain(line);
    }
  });

  it('mentions the team tag when nobody is on the task, and nobody when the team has no tag', () => {
    const tagged = renderReminderCard(views.reminder(task(), NOW, 'ko'));
    expect(mentionsOf(tagged)).toEqual([{ type: 'mention', text: '<at>Monitoring on call</at>', mentioned: { id: 'tag-oncall', name: 'Monitoring on call', type: 'tag' } }]);
    expect(textBlocksOf(tagged)).toContain('담당: <at>Monitoring on call</at>');
    const untagged = renderReminderCard(views.reminder(task({ teamId: 'secops' }), NOW, 'en'));
    expect(untagged.msteams).toEqual({ width: 'Full' });
    expect(JSON.stringify(untagged)).not.toContain('<at>');
  });

  it('mentions nobody on the personal card', () => {
    const card = renderReminderCard(views.reminder(task({ assignee: { aadObjectId: 'aad-kim', name: 'Kim Minji' } }), NOW, 'en', { personal: true }));
    expect(mentionsOf(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('<at>');
  });

  it('keeps a name typed as Markdown out of the TextBlock: the tag holds it cleaned, the entity as recorded', () => {
    const name = '[Kim](https://evil.example) **Minji** <b>';
    const card = renderNudgeCard({ locale: 'en', occurrenceId: 'o1', title: 'T', message: 'm', dueText: 'd', mention: views.mention({ aadObjectId: 'aad-kim', name }, 'monitoring', 'en') });
    const [entity] = mentionsOf(card) as { text: string; mentioned: { name: string } }[];
    expect(entity!.mentioned.name).toBe(name);
    expect(entity!.text).toBe('<at>Kim https://evil.example Minji b</at>');
    expect(textBlocksOf(card)).toContain(`For ${entity!.text}`);
    expect(textBlocksOf(card).join('\n')).not.toMatch(/[[\]*]/);
  });

  it('cleans names for the tag and falls back to a word when nothing is left', () => {
    expect(mentionName('  Kim\n\tMinji  ')).toBe('Kim Minji');
    expect(mentionName('`__~~`')).toBeUndefined();
    expect(views.mention({ aadObjectId: 'a', name: '***' }, 'secops', 'ko')?.text).toBe('<at>담당자</at>');
    expect(mentionName('가'.repeat(100))).toHaveLength(64);
  });

  it('mentions the person on the task in the escalation card, and no tag where SOC Oversight has none', () => {
    const acknowledged = task({ acknowledgedBy: { userId: '29:lee', aadObjectId: 'aad-lee', name: 'Lee Jun' } });
    const unassigned = task({ id: '0b7c1e7e-3f0a-4a59-9a41-1c1f0c7d1a12', teamId: 'secops' });
    const run = { activityId: 'queue-review', scheduledAt: NOW, teamId: 'soc-oversight', tasks: [unassigned, acknowledged], neverToldTeamIds: [] };
    const card = renderEscalationCard(views.escalation(run, NOW, 'en', () => 'https://teams.microsoft.com/l/message/x'));
    expect(mentionsOf(card)).toEqual([{ type: 'mention', text: '<at>Lee Jun</at>', mentioned: { id: 'aad-lee', name: 'Lee Jun' } }]);
    // The catalog gives SOC Oversight no tag: an escalation of a task nobody is on mentions nobody.
    expect(mentionsOf(renderEscalationCard(views.escalation({ ...run, tasks: [unassigned] }, NOW, 'en', () => 'https://x')))).toEqual([]);
    // Once every task is closed the card mentions nobody.
    expect(mentionsOf(renderEscalationCard(views.escalation({ ...run, tasks: [{ ...acknowledged, state: 'done' }] }, NOW, 'en', () => 'https://x')))).toEqual([]);
  });

  it('nudges and escalations mention the assignee, else whoever acknowledged (when Teams named their object id)', () => {
    const lee = { userId: '29:lee', aadObjectId: 'aad-lee', name: 'Lee Jun' };
    expect(personOnTask(task({ acknowledgedBy: lee }))).toEqual({ aadObjectId: 'aad-lee', name: 'Lee Jun' });
    expect(personOnTask(task({ acknowledgedBy: lee, assignee: { aadObjectId: 'aad-kim', name: 'Kim Minji' } }))).toEqual({ aadObjectId: 'aad-kim', name: 'Kim Minji' });
    expect(personOnTask(task({ acknowledgedBy: { userId: '29:x', name: 'No Id' } }))).toBeUndefined();
    expect(views.mention(personOnTask(task({ acknowledgedBy: lee })), 'monitoring', 'ko')?.line).toBe('담당: <at>Lee Jun</at>');
  });
});
