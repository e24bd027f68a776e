/**
 * The outbox's one codec: every kind round-trips, the JSON is what earlier versions wrote (rows outlive a deploy),
 * and a row that does not decode says why.
 */
import type { ChannelTarget } from '../../src/reminders/delivery.port';
import { channelKey, decodeOutboxMessage, encodeOutboxMessage, occurrenceKey, singletonKey, type OutboxMessage } from '../../src/reminders/outbox-message';

const target: ChannelTarget = { tenantId: 'tenant-a', serviceUrl: 'https://smba.trafficmanager.net/amer/', botId: '28:bot', teamsTeamId: '19:team', channelId: '19:soc@thread.tacv2' };
const rows = [
  { teamId: 'secops', doneOnTime: 3, doneLate: 1, overdue: 0, skipped: 2, medianTimeToDoneMs: 5_400_000 },
  { teamId: 'monitoring', doneOnTime: 0, doneLate: 0, overdue: 1, skipped: 0 },
];

const MESSAGES: readonly { message: OutboxMessage; conversationKey: string; occurrenceId?: string; json: string }[] = [
  { message: { kind: 'reminder.post', occurrenceId: 'o1', target }, conversationKey: 'occ:o1', occurrenceId: 'o1', json: JSON.stringify({ target }) },
  { message: { kind: 'reminder.update', occurrenceId: 'o1' }, conversationKey: 'occ:o1', occurrenceId: 'o1', json: '{}' },
  { message: { kind: 'reminder.nudge', occurrenceId: 'o1', reason: 'overdue' }, conversationKey: 'occ:o1', occurrenceId: 'o1', json: '{"reason":"overdue"}' },
  { message: { kind: 'reminder.nudge', occurrenceId: 'o1', reason: 'snooze-ended' }, conversationKey: 'occ:o1', occurrenceId: 'o1', json: '{"reason":"snooze-ended"}' },
  { message: { kind: 'escalation.post', occurrenceId: 'o1', target }, conversationKey: 'chan:tenant-a|19:soc@thread.tacv2', occurrenceId: 'o1', json: JSON.stringify({ target }) },
  { message: { kind: 'reminder.nudge', occurrenceId: 'o1', reason: 'repeat' }, conversationKey: 'occ:o1', occurrenceId: 'o1', json: '{"reason":"repeat"}' },
  {
    message: { kind: 'reminder.nudge', occurrenceId: 'o1', reason: 'escalation', person: { id: '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f', name: 'Kim Minji' } },
    conversationKey: 'occ:o1',
    occurrenceId: 'o1',
    json: JSON.stringify({ reason: 'escalation', person: { id: '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f', name: 'Kim Minji' } }),
  },
  {
    // One card per task in a channel: its post and its updates share the card's key, so an update never overtakes the post.
    message: { kind: 'escalation.post', occurrenceId: 'o1', target, card: { activityId: 'log-review', scheduledAt: 1_772_000_000_000, teamId: 'soc-oversight' } },
    conversationKey: 'esc:tenant-a|log-review|1772000000000|soc-oversight',
    occurrenceId: 'o1',
    json: JSON.stringify({ target, card: { activityId: 'log-review', scheduledAt: 1_772_000_000_000, teamId: 'soc-oversight' } }),
  },
  {
    message: { kind: 'escalation.update', occurrenceId: 'o2', target, card: { activityId: 'log-review', scheduledAt: 1_772_000_000_000, teamId: 'soc-oversight' } },
    conversationKey: 'esc:tenant-a|log-review|1772000000000|soc-oversight',
    occurrenceId: 'o2',
    json: JSON.stringify({ target, card: { activityId: 'log-review', scheduledAt: 1_772_000_000_000, teamId: 'soc-oversight' } }),
  },
  {
    message: { kind: 'digest.post', target, periodStart: 1_772_000_000_000, rows },
    conversationKey: 'chan:tenant-a|19:soc@thread.tacv2',
    json: JSON.stringify({ target, periodStart: 1_772_000_000_000, rows }),
  },
  {
    message: { kind: 'binding.moved', target, socTeamId: 'monitoring', movedByName: 'Sora Admin', toChannelName: 'Rogue', toTeamsTeamName: 'Alex private' },
    conversationKey: 'chan:tenant-a|19:soc@thread.tacv2',
    json: JSON.stringify({ target, socTeamId: 'monitoring', movedByName: 'Sora Admin', toChannelName: 'Rogue', toTeamsTeamName: 'Alex private' }),
  },
  {
    message: { kind: 'personal.post', occurrenceId: 'o1', person: { aadObjectId: 'aad-kim', name: 'Kim Minji' }, reason: 'assigned', serviceUrl: target.serviceUrl, botId: target.botId },
    conversationKey: 'pers:o1|aad-kim',
    occurrenceId: 'o1',
    json: JSON.stringify({ person: { aadObjectId: 'aad-kim', name: 'Kim Minji' }, reason: 'assigned', serviceUrl: target.serviceUrl, botId: target.botId }),
  },
  { message: { kind: 'personal.update', occurrenceId: 'o1', aadObjectId: 'aad-kim', reason: 'overdue' }, conversationKey: 'pers:o1|aad-kim', occurrenceId: 'o1', json: '{"aadObjectId":"aad-kim","reason":"overdue"}' },
];

describe('outbox messages', () => {
  it.each(MESSAGES)('$message.kind encodes to the columns and JSON earlier versions wrote, and decodes back', ({ message, conversationKey, occurrenceId, json }) => {
    const encoded = encodeOutboxMessage(message);
    expect(encoded).toEqual({ kind: message.kind, occurrenceId, conversationKey, payload: json });
    expect(decodeOutboxMessage(encoded)).toEqual({ ok: true, message });
  });

  it('keeps "shrink" (Teams answered 413 once) through a round trip, as the flag earlier versions added', () => {
    const shrunk: OutboxMessage = { kind: 'reminder.post', occurrenceId: 'o1', target, shrink: true };
    const encoded = encodeOutboxMessage(shrunk);
    expect(JSON.parse(encoded.payload)).toEqual({ target, shrink: true });
    expect(decodeOutboxMessage(encoded)).toEqual({ ok: true, message: shrunk });
    expect(decodeOutboxMessage({ ...encoded, payload: JSON.stringify({ target, shrink: 'yes' }) })).toEqual({ ok: true, message: { kind: 'reminder.post', occurrenceId: 'o1', target } });
  });

  it('carries the digest\'s named tasks, and decodes digests enqueued before they existed (counts only)', () => {
    const named: OutboxMessage = {
      kind: 'digest.post',
      target,
      periodStart: 1,
      rows: [
        {
          ...rows[1]!,
          overdueTasks: [{ activityId: 'secure-score-report', dueAt: 5, postedConversationId: '19:soc@thread.tacv2;messageid=9', postedActivityId: '9' }],
          lateTasks: [{ activityId: 'tvm-remediation-tracking', dueAt: 4 }],
        },
      ],
    };
    expect(decodeOutboxMessage(encodeOutboxMessage(named))).toEqual({ ok: true, message: named });
    expect(decodeOutboxMessage({ kind: 'digest.post', payload: JSON.stringify({ target, periodStart: 1, rows }) })).toEqual({ ok: true, message: { kind: 'digest.post', target, periodStart: 1, rows } });
    const bad = { kind: 'digest.post', payload: JSON.stringify({ target, periodStart: 1, rows: [{ ...rows[0], overdueTasks: [{ activityId: 'x', dueAt: 'soon' }] }] }) };
    expect(decodeOutboxMessage(bad)).toEqual({ ok: false, reason: expect.stringContaining('rows[0].overdueTasks[0].dueAt is not a number') });
  });

  it('ignores fields it does not know (an update from the timers of earlier versions carried the nudge reason)', () => {
    expect(decodeOutboxMessage({ kind: 'reminder.update', occurrenceId: 'o1', payload: '{"reason":"overdue","later":1}' })).toEqual({ ok: true, message: { kind: 'reminder.update', occurrenceId: 'o1' } });
    const extraTarget = JSON.stringify({ target: { ...target, note: 'x' } });
    expect(decodeOutboxMessage({ kind: 'escalation.post', occurrenceId: 'o1', payload: extraTarget })).toEqual({ ok: true, message: { kind: 'escalation.post', occurrenceId: 'o1', target } });
  });

  it.each([
    ['unknown outbox kind "reminder.shout"', { kind: 'reminder.shout', payload: '{}' }],
    ['unknown outbox kind "toString"', { kind: 'toString', payload: '{}' }],
    ['reminder.post: payload is not JSON', { kind: 'reminder.post', occurrenceId: 'o1', payload: '{"target":' }],
    ['reminder.post: payload is not a JSON object', { kind: 'reminder.post', occurrenceId: 'o1', payload: '[1]' }],
    ['reminder.post: no occurrence id', { kind: 'reminder.post', payload: JSON.stringify({ target }) }],
    ['reminder.post: target is missing', { kind: 'reminder.post', occurrenceId: 'o1', payload: '{}' }],
    ['escalation.post: target.channelId is not a string', { kind: 'escalation.post', occurrenceId: 'o1', payload: JSON.stringify({ target: { ...target, channelId: 7 } }) }],
    ['reminder.nudge: reason undefined is not one of snooze-ended, overdue, repeat, escalation', { kind: 'reminder.nudge', occurrenceId: 'o1', payload: '{}' }],
    ['reminder.nudge: person.id is not a string', { kind: 'reminder.nudge', occurrenceId: 'o1', payload: '{"reason":"escalation","person":{"name":"Kim"}}' }],
    ['escalation.update: card is missing', { kind: 'escalation.update', occurrenceId: 'o1', payload: JSON.stringify({ target }) }],
    ['digest.post: periodStart is not a number', { kind: 'digest.post', payload: JSON.stringify({ target, periodStart: '2026-03-02', rows }) }],
    ['digest.post: rows is not a list', { kind: 'digest.post', payload: JSON.stringify({ target, periodStart: 1, rows: {} }) }],
    ['personal.post: person is missing', { kind: 'personal.post', occurrenceId: 'o1', payload: JSON.stringify({ reason: 'assigned', serviceUrl: 'https://x', botId: 'b' }) }],
    ['personal.update: reason "later" is not one of assigned, overdue, escalation', { kind: 'personal.update', occurrenceId: 'o1', payload: '{"aadObjectId":"a","reason":"later"}' }],
    ['digest.post: rows[0].skipped is not a number', { kind: 'digest.post', payload: JSON.stringify({ target, periodStart: 1, rows: [{ ...rows[0], skipped: null }] }) }],
  ])('refuses the row: %s', (reason, row) => {
    expect(decodeOutboxMessage(row)).toEqual({ ok: false, reason });
  });

  it('builds the keys that order and deduplicate rows', () => {
    expect(occurrenceKey('o1')).toBe('occ:o1');
    expect(channelKey(target)).toBe('chan:tenant-a|19:soc@thread.tacv2');
    expect(singletonKey.digest('tenant-a', 1000)).toBe('digest|tenant-a|1000');
    expect(singletonKey.escalation('o1')).toBe('escalation|o1');
    expect(singletonKey.overdueNudge('o1')).toBe('nudge:overdue|o1');
    expect(singletonKey.snoozeEndNudge('o1', 2000)).toBe('nudge:snooze-ended|o1|2000');
  });
});
