/**
 * The tab's words in English and Korean. They live in the bundle (a few kilobytes) rather than being fetched from
 * `cards/strings`, so the tab draws in one round trip. `ko` is typed as `Strings`: a missing key is a compile error.
 * The Korean follows the cards' vocabulary (미완료, 기한 초과, 미룸, …) so the tab and the cards say the same thing.
 */
import type { OccurrenceStatus } from './api';

export type Lang = 'en' | 'ko';

export interface Strings {
  readonly appName: string;
  readonly pageTitle: string;
  workloadOf(team: string): string;
  updatedAt(time: string, timeZone: string): string;
  readonly loading: string;
  readonly teamPicker: string;
  readonly channelNotBound: string;
  readonly loadFailed: string;
  readonly signInNeeded: string;
  readonly signInFailed: string;
  readonly notAllowed: string;
  readonly displayTokenRefused: string;
  readonly unknownTeam: string;
  unposted(n: number): string;

  readonly summary: string;
  readonly open: string;
  readonly overdue: string;
  readonly snoozed: string;
  readonly doneLast7Days: string;
  doneLast30Days(n: number): string;

  readonly overdueHeading: string;
  readonly noOverdue: string;
  readonly openHeading: string;
  readonly noOpen: string;
  readonly task: string;
  readonly status: string;
  readonly due: string;
  readonly acknowledgedBy: string;
  readonly nobodyYet: string;
  readonly statusLabel: Readonly<Record<OccurrenceStatus, string>>;
  snoozedUntil(time: string): string;

  upcomingHeading(days: number): string;
  noUpcoming(days: number): string;
  readonly day: string;
  readonly time: string;
  readonly cadence: string;

  performanceHeading(weeks: number): string;
  readonly chartLabel: string;
  weekOf(date: string): string;
  readonly thisWeek: string;
  weekBar(week: string, done: number, due: number, percent: string): string;
  noneDue(week: string): string;
  onTimeWindow(days: number): string;
  onTimeDetail(done: number, due: number): string;
  readonly nothingDue: string;
  readonly medianTimeToDone: string;
  readonly noneDone: string;
  readonly doneLate: string;
  readonly skipped: string;
  readonly missed: string;
  readonly missedRunsHeading: string;
  missedRun(count: number, first: string, last: string): string;

  duration(days: number, hours: number, minutes: number): string;

  readonly peopleHeading: string;
  readonly person: string;
  readonly unassignedTeam: string;
  readonly noPeople: string;
  readonly assignedNotAcknowledged: string;

  readonly myTasksTitle: string;
  readonly myPageTitle: string;
  readonly myLoading: string;
  readonly myIntro: string;
  readonly myLoadFailed: string;
  readonly myNoPerson: string;
  readonly myNothing: string;
  readonly assignedToMe: string;
  readonly acknowledgedByMe: string;
  readonly team: string;
  readonly yoursBecause: string;
  readonly relationLabel: Readonly<Record<'assigned' | 'acknowledged', string>>;
  readonly card: string;
  readonly openInTeams: string;
  readonly notPosted: string;

  readonly configHeading: string;
  readonly configIntro: string;
  readonly configBoundHere: string;
  readonly configOutsideTeams: string;
  readonly configPreview: string;
  suggestedTabName(team: string): string;
}

const plural = (n: number, one: string, other: string) => `${n} ${n === 1 ? one : other}`;

const en: Strings = {
  appName: 'SOC Reminders',
  pageTitle: 'SOC Reminders: workload',
  workloadOf: (team) => `${team} workload`,
  updatedAt: (time, tz) => `Updated ${time} · refreshes every minute · times in ${tz}`,
  loading: 'Loading the workload…',
  teamPicker: 'SOC team',
  channelNotBound: 'This channel is not linked to a SOC team yet. Pick a team here, or link the channel with “@SOC Reminders bind <team>”.',
  loadFailed: 'The workload could not be loaded. Trying again in a minute.',
  signInNeeded: 'Sign-in is needed: open this tab in Microsoft Teams.',
  signInFailed: 'Signing in through Teams did not work. Reload the tab; if it keeps happening, ask your Teams admin to consent to SOC Reminders.',
  notAllowed: 'Your organization may not use this SOC Reminders server.',
  displayTokenRefused: 'This display link was not accepted: its token is wrong or has been changed. Open the display with a new link.',
  unknownTeam: 'That SOC team does not exist. Pick one of the teams here.',
  unposted: (n) => `${plural(n, 'task was', 'tasks were')} not posted because this team has no channel yet.`,

  summary: 'Summary',
  open: 'Open',
  overdue: 'Overdue',
  snoozed: 'Snoozed',
  doneLast7Days: 'Done, last 7 days',
  doneLast30Days: (n) => `${n} in the last 30 days`,

  overdueHeading: 'Overdue',
  noOverdue: 'Nothing is overdue.',
  openHeading: 'Other open tasks',
  noOpen: 'No other open tasks.',
  task: 'Task',
  status: 'Status',
  due: 'Due',
  acknowledgedBy: 'Who is on it',
  nobodyYet: 'Nobody yet',
  statusLabel: {
    pending: 'Not posted yet',
    posted: 'Waiting for someone',
    acknowledged: 'In progress',
    snoozed: 'Snoozed',
    overdue: 'Overdue',
    escalated: 'Escalated',
    done: 'Done',
    skipped: 'Skipped',
    missed: 'Missed',
  },
  snoozedUntil: (time) => `Snoozed until ${time}`,

  upcomingHeading: (days) => `Coming up in the next ${days} days`,
  noUpcoming: (days) => `Nothing is scheduled in the next ${days} days.`,
  day: 'Day',
  time: 'Time',
  cadence: 'Cadence',

  performanceHeading: (weeks) => `On-time completion, last ${weeks} weeks`,
  chartLabel: 'Share of tasks done by their due time, per week',
  weekOf: (date) => `Week of ${date}`,
  thisWeek: 'this week',
  weekBar: (week, done, due, percent) => `${week}: ${done} of ${plural(due, 'task', 'tasks')} done on time (${percent})`,
  noneDue: (week) => `${week}: no tasks were due`,
  onTimeWindow: (days) => `On time, last ${days} days`,
  onTimeDetail: (done, due) => `${done} of ${plural(due, 'task', 'tasks')}`,
  nothingDue: 'No tasks were due',
  medianTimeToDone: 'Median time to done',
  noneDone: 'Nothing done yet',
  doneLate: 'Done late',
  skipped: 'Skipped',
  missed: 'Missed (bot was down)',
  missedRunsHeading: 'Missed while the bot was down',
  missedRun: (count, first, last) => (count === 1 ? `missed at ${first}` : `missed ${count} times between ${first} and ${last}`),

  duration: (d, h, m) => (d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : 'under a minute'),

  peopleHeading: 'By person',
  person: 'Person',
  unassignedTeam: 'Unassigned (team)',
  noPeople: 'Nobody has an open task.',
  assignedNotAcknowledged: 'assigned, not acknowledged yet',

  myTasksTitle: 'My tasks',
  myPageTitle: 'SOC Reminders: my tasks',
  myLoading: 'Loading your tasks…',
  myIntro: 'Open tasks assigned to you or acknowledged by you, in every SOC team.',
  myLoadFailed: 'Your tasks could not be loaded. Trying again in a minute.',
  myNoPerson: 'My tasks shows the tasks of the person signed in to Teams: open it from the SOC Reminders app in Teams. A wall display link has no person, so it has no tasks of its own.',
  myNothing: 'Nothing is on you right now. Tasks assigned to you, or that you acknowledge, show up here.',
  assignedToMe: 'Assigned to you',
  acknowledgedByMe: 'Acknowledged by you',
  team: 'Team',
  yoursBecause: 'Yours because',
  relationLabel: { assigned: 'Assigned to you', acknowledged: 'You acknowledged it' },
  card: 'Card',
  openInTeams: 'Open in Teams',
  notPosted: 'Not posted',

  configHeading: 'Set up the workload tab',
  configIntro: 'Choose the SOC team whose workload this tab shows.',
  configBoundHere: 'linked to this channel',
  configOutsideTeams: 'Teams shows this page when the tab is added to a channel. Outside Teams, open the workload directly:',
  configPreview: 'Open the workload',
  suggestedTabName: (team) => `Workload: ${team}`,
};

const ko: Strings = {
  appName: 'SOC Reminders',
  pageTitle: 'SOC Reminders: 업무량',
  workloadOf: (team) => `${team} 업무량`,
  updatedAt: (time, tz) => `${time} 업데이트 · 1분마다 새로 고침 · 시간대 ${tz}`,
  loading: '업무량을 불러오는 중입니다…',
  teamPicker: 'SOC 팀',
  channelNotBound: '이 채널은 아직 SOC 팀에 연결되지 않았습니다. 여기에서 팀을 선택하거나 “@SOC Reminders 연결 <팀>”으로 채널을 연결하세요.',
  loadFailed: '업무량을 불러오지 못했습니다. 1분 후에 다시 시도합니다.',
  signInNeeded: '로그인이 필요합니다. Microsoft Teams에서 이 탭을 열어 주세요.',
  signInFailed: 'Teams를 통한 로그인에 실패했습니다. 탭을 다시 불러오고, 계속 실패하면 Teams 관리자에게 SOC Reminders 사용 동의를 요청하세요.',
  notAllowed: '이 조직은 이 SOC Reminders 서버를 사용할 수 없습니다.',
  displayTokenRefused: '이 디스플레이 링크가 승인되지 않았습니다. 토큰이 틀렸거나 변경되었습니다. 새 링크로 디스플레이를 여세요.',
  unknownTeam: '없는 SOC 팀입니다. 여기에서 팀을 선택하세요.',
  unposted: (n) => `이 팀에 연결된 채널이 없어 ${n}건의 작업을 게시하지 못했습니다.`,

  summary: '요약',
  open: '미완료',
  overdue: '기한 초과',
  snoozed: '미룸',
  doneLast7Days: '최근 7일 완료',
  doneLast30Days: (n) => `최근 30일 ${n}건`,

  overdueHeading: '기한 초과',
  noOverdue: '기한이 지난 작업이 없습니다.',
  openHeading: '그 밖의 미완료 작업',
  noOpen: '그 밖의 미완료 작업이 없습니다.',
  task: '작업',
  status: '상태',
  due: '기한',
  acknowledgedBy: '담당자',
  nobodyYet: '아직 없음',
  statusLabel: {
    pending: '게시 전',
    posted: '담당자 대기',
    acknowledged: '진행 중',
    snoozed: '미룸',
    overdue: '기한 초과',
    escalated: '에스컬레이션됨',
    done: '완료',
    skipped: '건너뜀',
    missed: '누락',
  },
  snoozedUntil: (time) => `${time}까지 미룸`,

  upcomingHeading: (days) => `앞으로 ${days}일간 예정된 작업`,
  noUpcoming: (days) => `앞으로 ${days}일간 예정된 작업이 없습니다.`,
  day: '날짜',
  time: '시간',
  cadence: '주기',

  performanceHeading: (weeks) => `최근 ${weeks}주 기한 내 완료율`,
  chartLabel: '주별로 기한 안에 완료한 작업의 비율',
  weekOf: (date) => `${date} 주`,
  thisWeek: '이번 주',
  weekBar: (week, done, due, percent) => `${week}: ${due}건 중 ${done}건 기한 내 완료(${percent})`,
  noneDue: (week) => `${week}: 기한이 된 작업 없음`,
  onTimeWindow: (days) => `최근 ${days}일 기한 내 완료율`,
  onTimeDetail: (done, due) => `${due}건 중 ${done}건`,
  nothingDue: '기한이 된 작업이 없습니다',
  medianTimeToDone: '완료까지 걸린 시간(중앙값)',
  noneDone: '아직 완료한 작업이 없습니다',
  doneLate: '기한 후 완료',
  skipped: '건너뜀',
  missed: '누락(봇 중단)',
  missedRunsHeading: '봇 중단 중 누락',
  missedRun: (count, first, last) => (count === 1 ? `${first} 누락` : `${first}~${last} 사이 ${count}회 누락`),

  duration: (d, h, m) => (d > 0 ? `${d}일 ${h}시간` : h > 0 ? `${h}시간 ${m}분` : m > 0 ? `${m}분` : '1분 미만'),

  peopleHeading: '담당자별',
  person: '담당자',
  unassignedTeam: '미배정(팀 전체)',
  noPeople: '미완료 작업을 맡은 사람이 없습니다.',
  assignedNotAcknowledged: '배정됨, 아직 확인 전',

  myTasksTitle: '내 작업',
  myPageTitle: 'SOC Reminders: 내 작업',
  myLoading: '내 작업을 불러오는 중입니다…',
  myIntro: '모든 SOC 팀에서 나에게 배정되었거나 내가 확인한 미완료 작업입니다.',
  myLoadFailed: '내 작업을 불러오지 못했습니다. 1분 후에 다시 시도합니다.',
  myNoPerson: '내 작업은 Teams에 로그인한 사용자의 작업을 보여 줍니다. Teams의 SOC Reminders 앱에서 여세요. 디스플레이 링크에는 사용자가 없어 표시할 작업이 없습니다.',
  myNothing: '지금 맡은 작업이 없습니다. 나에게 배정되거나 내가 확인한 작업이 여기에 표시됩니다.',
  assignedToMe: '나에게 배정',
  acknowledgedByMe: '내가 확인',
  team: '팀',
  yoursBecause: '구분',
  relationLabel: { assigned: '나에게 배정됨', acknowledged: '내가 확인함' },
  card: '카드',
  openInTeams: 'Teams에서 열기',
  notPosted: '게시 전',

  configHeading: '업무량 탭 설정',
  configIntro: '이 탭에 업무량을 표시할 SOC 팀을 선택하세요.',
  configBoundHere: '이 채널에 연결됨',
  configOutsideTeams: '이 페이지는 채널에 탭을 추가할 때 Teams에 표시됩니다. Teams 밖에서는 업무량을 바로 열 수 있습니다.',
  configPreview: '업무량 열기',
  suggestedTabName: (team) => `업무량: ${team}`,
};

export const STRINGS: Readonly<Record<Lang, Strings>> = { en, ko };

/** The tab's language for a locale tag (Teams' `ko-kr`, the browser's `ko-KR`, `?lang=ko`): Korean or English. */
export function langOf(tag: string | undefined | null): Lang {
  return tag && /^ko(?:[-_]|$)/i.test(tag.trim()) ? 'ko' : 'en';
}
