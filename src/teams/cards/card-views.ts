/**
 * View models of every card the bot sends. Cards are pure functions of these: the caller (teams/) formats
 * times and picks names from the database; the renderer only expands templates from `cards/`.
 * Every string here is data: it is bound into templates, never concatenated into JSON.
 *
 * People's text — display names, notes, reasons, Teams team and channel names, what someone typed — reaches
 * these fields (each says so: "may carry people's text"). Teams reads Markdown (bold, italic, lists, links) in a
 * TextBlock's text and in a FactSet's titles and values, and `<at>…</at>` mentions there too; a TextRun's text is
 * never Markdown (Adaptive Cards schema: "Markdown is not supported"). So the templates put every such field in a
 * TextRun, where `[x](https://evil.example)` is shown as typed, and nowhere else. Escaping Markdown instead was
 * rejected: Teams' clients disagree about backslash escapes (microsoft/AdaptiveCards#5590, #4677 — the backslash
 * shows on mobile), so escaped text either misrenders or, where an escape is ignored, still becomes a link.
 * Titles, descriptions, cadences and SOC team names come from the catalog, which the operator writes.
 */
import type { OccurrenceStatus } from '../../reminders/occurrence.types';

export type Locale = 'en' | 'ko';

/** The card verbs of `Action.Execute` on the reminder card. */
export type CardVerb = 'ack' | 'done' | 'snooze' | 'skip' | 'refresh' | 'take' | 'reassign' | 'handover';
export const CARD_VERBS: readonly CardVerb[] = ['ack', 'done', 'snooze', 'skip', 'refresh', 'take', 'reassign', 'handover'];

/**
 * The people picker's input on the reminder card (Reassign, Hand over): Teams' `Input.ChoiceSet` over the
 * `graph.microsoft.com/users` dataset, whose value is the chosen person's Entra object id.
 */
export const ASSIGNEE_INPUT = 'assignee';

/** Hand over's note input (not `note`: Done's note input has that id, and ids are unique in a card). */
export const HANDOVER_NOTE_INPUT = 'handoverNote';

/** True for a verb the reminder card sends (a card's `data` comes from outside: check before routing it). */
export function isCardVerb(verb: string): verb is CardVerb {
  return (CARD_VERBS as readonly string[]).includes(verb);
}

/**
 * The reminder card names each evidence input `evidence_<field id>`, so that no field id can collide with the
 * card's own keys (`note`, `occurrenceId`…). Teams sends every input of the card with the press.
 */
export const EVIDENCE_INPUT_PREFIX = 'evidence_';

/** A catalog link into a Microsoft tool, shown as an Action.OpenUrl button (https, checked by the catalog schema). */
export interface ToolLinkView {
  readonly label: string;
  readonly url: string;
}

/** One input of the Done part: an evidence field of the activity. */
export interface EvidenceInputView {
  /** `evidence_<field id>`: the key the value comes back under (routes/card-actions.ts reads it). */
  readonly inputId: string;
  readonly type: 'url' | 'number' | 'text';
  /** The catalog label, with "(required)" added for a required field. */
  readonly label: string;
  readonly required: boolean;
  /** Shown when a client refuses the value before sending it (Teams checks `isRequired`, `min`, `max`). */
  readonly errorMessage: string;
  /** Number fields only: both bounds, or neither (`hasRange`). */
  readonly hasRange: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** One recorded piece of evidence on a done card. `text` may carry people's text; `url` is set only for an https link. */
export interface EvidenceShownView {
  readonly label: string;
  readonly text: string;
  readonly url?: string;
}

/**
 * An @mention on a card (issue 14): a person, by Entra object id, or a Teams tag of the team, by tag id. `text` is
 * `<at>…</at>` exactly as both the card's text and the `msteams.entities` entry carry it (Teams ignores a mention
 * whose text is not found in the card); the name inside is cleaned of Markdown and tag characters, because the
 * mention must sit in a TextBlock, which Teams reads as Markdown. `line` is the sentence that shows it ("For …").
 */
export interface MentionView {
  readonly kind: 'person' | 'tag';
  /** Entra object id of the person, or the tag's id. */
  readonly id: string;
  /** The name as recorded (people's text: only ever in the entity, never read as Markdown). */
  readonly name: string;
  readonly text: string;
  readonly line: string;
}

export interface ReminderCardView {
  readonly locale: Locale;
  readonly occurrenceId: string;
  readonly title: string;
  /** Omitted (undefined) when the card must shrink (Teams answered 413). */
  readonly description?: string;
  readonly teamName: string;
  /** Cadence in words, e.g. "Weekdays at 09:00". */
  readonly cadence: string;
  /** Due time in the team's time zone, formatted, e.g. "Mon 9 Mar 2026, 17:00 (GMT-4)". */
  readonly dueText: string;
  readonly status: OccurrenceStatus;
  /** One sentence: who did what when, e.g. "Done by Minji Kim at 14:02 — https://tickets/123". May carry people's text. */
  readonly statusText: string;
  /** Buttons are shown only while the task is open. */
  readonly actionable: boolean;
  /** Set on a task started late after downtime ("caught up") or by hand ("started by Jae"). May carry people's text. */
  readonly triggerText?: string;
  /** Teams user ids that get the Universal Actions auto-refresh (at most 60, Teams' limit). */
  readonly refreshUserIds: readonly string[];
  /** The activity's tools: at most two as buttons (they fit a phone's width), the rest behind "More tools". */
  readonly linkButtons: readonly ToolLinkView[];
  readonly moreLinks: readonly ToolLinkView[];
  /** The Done part's evidence inputs (empty once the task is closed). */
  readonly evidenceInputs: readonly EvidenceInputView[];
  /** What Done recorded, for a done card. */
  readonly evidenceShown: readonly EvidenceShownView[];
  /** The person the task is assigned to (issue 14): "Assigned to Kim Minji". `name` may carry people's text. */
  readonly assignee?: { readonly name: string; readonly aadObjectId: string };
  /** Someone acknowledged the task ("I'm on it" is then not offered again, whatever the status shows). */
  readonly acknowledged?: boolean;
  /** Whom the card mentions: the assignee, else the team's tag; none on a personal card. */
  readonly mention?: MentionView;
}

export interface NudgeCardView {
  readonly locale: Locale;
  readonly occurrenceId: string;
  readonly title: string;
  /** e.g. "Snooze ended: this task is back." or "Overdue since 17:00." */
  readonly message: string;
  readonly dueText: string;
  /** Whom the nudge mentions: the person on the task, else the team's tag. */
  readonly mention?: MentionView;
}

/** One team's task on an escalation card. */
export interface EscalationTaskView {
  readonly teamName: string;
  /** e.g. "Minji Kim is on it since 14:02", "Done by …", "Never told: the team has no channel bound". May carry people's text. */
  readonly stateText: string;
  /** Deep link to the team's reminder card in Teams, when it was posted. */
  readonly link?: string;
}

/**
 * The escalation card of one task (a run of an activity) in an escalation team's channel: every team's state, and
 * Acknowledge and Assign for the open ones (the team is chosen in `occurrenceId`, whose value each button sends).
 */
export interface EscalationCardView {
  readonly locale: Locale;
  readonly title: string;
  readonly dueText: string;
  readonly tasks: readonly EscalationTaskView[];
  /** Teams a step of the chain could not tell (no channel), in a sentence; undefined: none. */
  readonly neverToldText?: string;
  /** Set when every task is closed: the card says nothing is waiting, and has no buttons. */
  readonly closedText?: string;
  /** The open tasks to act on: team name → occurrence id; empty: no buttons. */
  readonly taskChoices: readonly { readonly title: string; readonly value: string }[];
  /** Whom the escalation mentions: the person on its first open task, else the escalation team's tag. */
  readonly mention?: MentionView;
}

export interface WorkloadLine {
  readonly title: string;
  readonly dueText: string;
  /** e.g. "In progress · Minji Kim". May carry people's text. */
  readonly statusText: string;
  readonly overdue: boolean;
}

/** One person's share of a team's open tasks on the workload card; the last line may be the team's unassigned. */
export interface WorkloadPersonLine {
  /** The person's name (people's text), or the "Unassigned (team)" label. */
  readonly name: string;
  /** "3 open" */
  readonly openText: string;
  /** "1 overdue"; shown in the attention colour when `overdue`. */
  readonly overdueText: string;
  readonly overdue: boolean;
}

export interface WorkloadCardView {
  readonly locale: Locale;
  readonly teamName: string;
  readonly openCount: number;
  readonly overdueCount: number;
  readonly snoozedCount: number;
  readonly doneLast7Days: number;
  /** e.g. "83 % (10 of 12 on time, last 30 days)", or "—". */
  readonly completionText: string;
  /** e.g. "2 h 10 min", or "—". */
  readonly medianText: string;
  /** Open tasks per person, most overdue first (at most 10; `morePeople` counts the rest), then the unassigned. */
  readonly people: readonly WorkloadPersonLine[];
  readonly morePeople: number;
  /** Open items, most urgent first (at most 15; `moreOpen` counts the rest). */
  readonly openItems: readonly WorkloadLine[];
  readonly moreOpen: number;
  /** Next due items: title and when (at most 5). */
  readonly upcoming: readonly { readonly title: string; readonly whenText: string }[];
  /** Set when the team has no bound channel: "3 tasks recorded but not posted: no channel is bound." */
  readonly warning?: string;
  /** Runs of fire times missed while the bot was down: "missed 96 times between … and …", the latest first. */
  readonly missedRuns: readonly { readonly title: string; readonly text: string }[];
  /** One sentence per person of the team the bot cannot reach in chat ("Kim Minji cannot be reached…"). People's text. */
  readonly unreachable?: readonly string[];
}

export interface TaskListCardView {
  readonly locale: Locale;
  /** e.g. "Your open tasks" or "Overdue tasks, all teams". */
  readonly heading: string;
  /** Shown when `items` is empty. */
  readonly emptyText: string;
  /** `statusText`, e.g. "In progress · Minji Kim", may carry people's text. */
  readonly items: readonly { readonly title: string; readonly teamName: string; readonly dueText: string; readonly statusText: string }[];
}

export interface TeamsListCardView {
  readonly locale: Locale;
  readonly teams: readonly {
    readonly id: string;
    readonly name: string;
    /** Channel name, or the localized "not bound"; or "inactive: bot removed" etc. May carry people's text. */
    readonly channelText: string;
    readonly bound: boolean;
  }[];
  /** One sentence per person the bot cannot reach in chat ("Kim Minji cannot be reached…"). People's text. */
  readonly unreachable?: readonly string[];
}

export interface DigestCardView {
  readonly locale: Locale;
  /** e.g. "Wed 25 Nov – Wed 2 Dec" / "11월 25일(수)~12월 2일(수)". */
  readonly periodText: string;
  readonly rows: readonly {
    readonly teamName: string;
    readonly doneOnTime: number;
    readonly doneLate: number;
    readonly overdue: number;
    readonly skipped: number;
    readonly medianText: string;
    /** Overdue tasks first, then the ones done late; `link` opens the reminder card in Teams. */
    readonly tasks: readonly { readonly label: string; readonly title: string; readonly dueText: string; readonly link?: string }[];
    /** e.g. "…and 3 more", when there are more overdue or late tasks than listed. */
    readonly moreText?: string;
  }[];
}

declare const botMarkdownBrand: unique symbol;

/**
 * Card Markdown the bot itself wrote: a sentence of cards/strings with no parameters (the help text, with its
 * bold commands and list). Only `CardViews.help()` makes one; a plain string is not one.
 */
export type BotMarkdown = string & { readonly [botMarkdownBrand]: true };

/**
 * A titled text: help, welcome, replies in chat, confirmations, errors. `text` is shown exactly as written,
 * paragraph by paragraph (blank lines separate them), and may carry people's text; `markdown` is only ever the
 * bot's own, shown before `text` when both are set (help: the commands, then the catalog's ids).
 */
export type MessageCardView =
  | { readonly locale: Locale; readonly title?: string; readonly text: string; readonly markdown?: undefined }
  | { readonly locale: Locale; readonly title?: string; readonly markdown: BotMarkdown; readonly text?: string };
