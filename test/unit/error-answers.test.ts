/**
 * The one mapping from failures to answers: every DomainError code narrows to its subclass and has a sentence on
 * a pressed card, in English and Korean; the commands that meet a code have words for it, and the rest let the
 * turn fail as before.
 */
import { Writable } from 'node:stream';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { createLogger } from '../../src/logger';
import {
  AlreadyAcknowledged,
  AlreadyAssigned,
  AlreadyClosed,
  DomainError,
  InvalidInput,
  NotInThisConversation,
  NotOnDemand,
  NotPermitted,
  OccurrenceNotFound,
  TeamNotAssigned,
  TooManyRuns,
  UnknownActivity,
  UnknownTeam,
  UntrustedServiceUrl,
  type DomainErrorCode,
} from '../../src/reminders/errors';
import { CardViews } from '../../src/teams/card-views.builder';
import type { CommandName } from '../../src/teams/commands';
import {
  answerCardActionFailure,
  explainToCardAction,
  isCodedDomainError,
  replyToCommandError,
  replyToCommandFailure,
  type CodedDomainError,
} from '../../src/teams/error-answers';
import { LOCALES, t } from '../../src/teams/i18n';

const minji = { userId: '29:minji', name: 'Minji [Kim](https://evil.example)' };
const at = Date.parse('2026-03-09T05:02:00Z');

/** One of each: a code missing here is a compile error. */
const SAMPLES: Readonly<Record<DomainErrorCode, DomainError>> = {
  OCCURRENCE_NOT_FOUND: new OccurrenceNotFound('occ-1'),
  ALREADY_CLOSED: new AlreadyClosed('skipped', minji, at, 'no <at>one</at> around'),
  ALREADY_ACKNOWLEDGED: new AlreadyAcknowledged(minji, at),
  ALREADY_ASSIGNED: new AlreadyAssigned({ aadObjectId: '0b6c2d4e-1f3a-4e5b-8c7d-000000000005', name: 'Minji [Kim](https://evil.example)' }, at),
  NOT_IN_THIS_CONVERSATION: new NotInThisConversation('occ-1'),
  INVALID_INPUT: new InvalidInput('note-too-long', { length: 501, max: 500 }),
  UNKNOWN_ACTIVITY: new UnknownActivity('reboot-everything'),
  UNKNOWN_TEAM: new UnknownTeam('red-team'),
  NOT_ON_DEMAND: new NotOnDemand('escalation-ticket-update'),
  TEAM_NOT_ASSIGNED: new TeamNotAssigned('ir-tabletop-exercise', 'monitoring'),
  UNTRUSTED_SERVICE_URL: new UntrustedServiceUrl('attacker.example', 'not on the list'),
  NOT_PERMITTED: new NotPermitted('bind', 'team-owner'),
  TOO_MANY_RUNS: new TooManyRuns(5, 600_000, at),
};
const CODES = Object.keys(SAMPLES) as DomainErrorCode[];
const COMMANDS: readonly CommandName[] = ['help', 'bind', 'unbind', 'teams', 'workload', 'tasks', 'overdue', 'run', 'rotation'];
/** The codes each command has words for; with any other, the turn fails (the adapter apologises). */
const COMMAND_ANSWERS: Readonly<Partial<Record<CommandName, readonly DomainErrorCode[]>>> = {
  bind: ['UNKNOWN_TEAM', 'NOT_PERMITTED'],
  unbind: ['NOT_PERMITTED'],
  run: ['UNKNOWN_ACTIVITY', 'UNKNOWN_TEAM', 'NOT_ON_DEMAND', 'TEAM_NOT_ASSIGNED', 'NOT_PERMITTED', 'TOO_MANY_RUNS'],
  rotation: ['UNKNOWN_TEAM', 'NOT_PERMITTED', 'INVALID_INPUT'],
};
/** What no card action meets; if one ever did, the generic sentence. */
const NOT_CARD_ERRORS: readonly DomainErrorCode[] = ['UNKNOWN_ACTIVITY', 'UNKNOWN_TEAM', 'NOT_ON_DEMAND', 'TEAM_NOT_ASSIGNED', 'UNTRUSTED_SERVICE_URL'];

const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
const wording = { catalog, views: new CardViews(catalog) };

const coded = (err: DomainError): CodedDomainError => {
  if (!isCodedDomainError(err)) throw new Error(`${err.code} does not narrow`);
  return err;
};

describe('domain errors as answers', () => {
  it.each(CODES)('%s narrows to its subclass', (code) => {
    expect(isCodedDomainError(SAMPLES[code])).toBe(true);
    expect(coded(SAMPLES[code]).code).toBe(code);
  });

  it('does not narrow an error whose code names another subclass, nor a plain Error', () => {
    expect(isCodedDomainError(new DomainError('ALREADY_CLOSED', 'hand-made'))).toBe(false);
    expect(isCodedDomainError(new Error('boom'))).toBe(false);
    expect(isCodedDomainError(undefined)).toBe(false);
  });

  it.each(LOCALES.flatMap((locale) => CODES.map((code) => [code, locale] as const)))('%s has a card-action sentence in %s', (code, locale) => {
    const text = explainToCardAction(coded(SAMPLES[code]), locale, catalog.timezone);
    expect(text.length).toBeGreaterThan(0);
    expect(text === t(locale, 'action.error')).toBe(NOT_CARD_ERRORS.includes(code));
  });

  it('names who, when and why, with their text made inert', () => {
    const skipped = explainToCardAction(coded(SAMPLES.ALREADY_CLOSED), 'en', 'Asia/Seoul');
    expect(skipped).toMatch(/^Already skipped by Minji \[Kim\]\u200B\(https:\/\/evil\.example\) at .*14:02.*: no <\u200Bat>one<\u200B\/at> around$/);
    expect(explainToCardAction(coded(SAMPLES.ALREADY_ACKNOWLEDGED), 'en', 'Asia/Seoul')).toMatch(/is already on it \(since .*14:02/);
    expect(explainToCardAction(coded(SAMPLES.INVALID_INPUT), 'en', 'Asia/Seoul')).toBe('The note is too long (501 characters; at most 500).');
    expect(explainToCardAction(coded(new AlreadyClosed('missed', undefined, undefined, undefined)), 'en', 'Asia/Seoul')).toBe('This task is closed (missed).');
    expect(explainToCardAction(coded(new InvalidInput('bad-snooze')), 'ko', 'Asia/Seoul')).toBe(t('ko', 'action.badSnooze'));
  });

  it.each(LOCALES.flatMap((locale) => COMMANDS.map((command) => [command, locale] as const)))('the %s command answers exactly its own codes in %s', (command, locale) => {
    for (const code of CODES) {
      const reply = replyToCommandError(coded(SAMPLES[code]), command, locale, wording);
      if (COMMAND_ANSWERS[command]?.includes(code)) expect(reply).toEqual(expect.any(String));
      else expect(reply).toBeUndefined();
    }
  });

  it('quotes what was typed and what could have been', () => {
    expect(replyToCommandError(coded(SAMPLES.UNKNOWN_TEAM), 'bind', 'en', wording)).toMatch(/^There is no SOC team "red-team"\. Teams: secops \(SecOps\), /);
    expect(replyToCommandError(coded(SAMPLES.UNKNOWN_ACTIVITY), 'run', 'en', wording)).toMatch(/^There is no activity "reboot-everything"\. On-demand activities: .*ir-tabletop-exercise/);
    expect(replyToCommandError(coded(SAMPLES.NOT_ON_DEMAND), 'run', 'en', wording)).toMatch(/runs on its schedule only \(Daily/);
    expect(replyToCommandError(coded(SAMPLES.TEAM_NOT_ASSIGNED), 'run', 'en', wording)).toMatch(/is not assigned to Monitoring\.$/);
  });

  it('answers a failure that is no domain error with the generic sentence, and logs it; a command lets it fail the turn', () => {
    const logs: { msg: string; verb?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as { msg: string });
        done();
      },
    });
    const context = { locale: 'en' as const, timezone: catalog.timezone, logger: createLogger('error', sink), activityId: 'a-1', verb: 'done' };
    expect(answerCardActionFailure(new Error('disk on fire'), context)).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: t('en', 'action.error') });
    expect(logs).toMatchObject([{ msg: 'card action failed', verb: 'done' }]);
    expect(answerCardActionFailure(SAMPLES.OCCURRENCE_NOT_FOUND, context)).toMatchObject({ value: t('en', 'action.notFound') });
    expect(logs).toHaveLength(1);
    expect(replyToCommandFailure(new Error('disk on fire'), 'run', 'en', wording)).toBeUndefined();
    expect(replyToCommandFailure(SAMPLES.UNKNOWN_TEAM, 'run', 'en', wording)).toMatch(/red-team/);
  });
});
