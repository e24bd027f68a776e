/**
 * The route table: which handler each Teams activity, chat command and card verb goes to, on one page. The
 * handlers live in files by family (install.ts, message.ts with commands/, card-actions.ts); the cross-cutting
 * steps every routed activity passes first are in pipeline/. A new command or card verb is a compile error here
 * until it has a handler (CommandName in commands.ts, CardVerb in cards/card-views.ts).
 */
import type { Activity } from 'botbuilder';
import { botbuilder } from '../bot-framework';
import type { InvokeAnswer } from '../invoke-answers';
import { answerCardAction, acknowledgeTask, completeTask, reassignTask, refreshTask, skipTask, snoozeTask, takeTask, type CardActionDeps, type CardVerbDeps, type CardVerbTable } from './card-actions';
import { bindChannel, type BindDeps } from './commands/bind';
import { replyWithHelp } from './commands/help';
import { listOverdueTasks, type OverdueDeps } from './commands/overdue';
import { answerRotation, type RotationDeps } from './commands/rotation';
import { startOnDemandRun, type RunDeps } from './commands/run';
import { listMyTasks, type TasksDeps } from './commands/tasks';
import { listTeams, type TeamsDeps } from './commands/teams';
import { unbindChannel, type UnbindDeps } from './commands/unbind';
import { showWorkload, type WorkloadDeps } from './commands/workload';
import { recordInstall, recordUninstall, type InstallDeps, type UninstallDeps } from './install';
import { routeMessage, type CommandTable, type MessageDeps } from './message';
import type { RoutedTurn } from './routed-turn';

export type RouteName = 'message' | 'card.action' | 'installed' | 'uninstalled' | 'ignored';

/** The routes that have a handler. */
export type HandledRoute = Exclude<RouteName, 'ignored'>;

/** Which route an activity takes. Teams' event names are read here and nowhere else. */
export function routeOf(activity: Partial<Activity>): RouteName {
  const { ActivityTypes } = botbuilder();
  switch (activity.type) {
    case ActivityTypes.Message:
      return 'message';
    case ActivityTypes.Invoke:
      return activity.name === 'adaptiveCard/action' ? 'card.action' : 'ignored';
    case ActivityTypes.InstallationUpdate:
      return activity.action?.startsWith('remove') ? 'uninstalled' : activity.action?.startsWith('add') ? 'installed' : 'ignored';
    case ActivityTypes.ConversationUpdate: {
      const botId = activity.recipient?.id;
      if (botId && activity.membersAdded?.some((m) => m.id === botId)) return 'installed';
      if (botId && activity.membersRemoved?.some((m) => m.id === botId)) return 'uninstalled';
      return 'ignored';
    }
    default:
      return 'ignored';
  }
}

/** One handler per route. A card action answers through the invoke response; the others reply in chat, or not at all. */
export interface RouteHandlers {
  readonly message: (turn: RoutedTurn) => Promise<void>;
  readonly 'card.action': (turn: RoutedTurn) => Promise<InvokeAnswer>;
  readonly installed: (turn: RoutedTurn) => Promise<void>;
  readonly uninstalled: (turn: RoutedTurn) => Promise<void>;
}

/** Everything the handlers use, and nothing more: the union of each handler's own dependencies. */
export type RouteDeps = InstallDeps &
  UninstallDeps &
  MessageDeps &
  BindDeps &
  UnbindDeps &
  TeamsDeps &
  WorkloadDeps &
  TasksDeps &
  OverdueDeps &
  RunDeps &
  RotationDeps &
  CardActionDeps &
  CardVerbDeps;

export function createRouteTable(deps: RouteDeps): RouteHandlers {
  const commands: CommandTable = {
    help: (turn) => replyWithHelp(turn, deps),
    bind: (turn, args) => bindChannel(turn, args, deps),
    unbind: (turn) => unbindChannel(turn, deps),
    teams: (turn) => listTeams(turn, deps),
    workload: (turn, args) => showWorkload(turn, args, deps),
    tasks: (turn) => listMyTasks(turn, deps),
    overdue: (turn) => listOverdueTasks(turn, deps),
    run: (turn, args) => startOnDemandRun(turn, args, deps),
    rotation: (turn, args) => answerRotation(turn, args, deps),
  };
  const verbs: CardVerbTable = {
    ack: (request) => acknowledgeTask(deps.reminders, request),
    done: (request) => completeTask(deps.reminders, request),
    snooze: (request) => snoozeTask(deps.reminders, request),
    skip: (request) => skipTask(deps.reminders, request),
    refresh: (request) => refreshTask(deps.reminders, request),
    take: (request) => takeTask(deps.reminders, request),
    reassign: (request) => reassignTask(deps.reminders, request, 'reassign'),
    handover: (request) => reassignTask(deps.reminders, request, 'handover'),
  };
  return {
    message: (turn) => routeMessage(turn, commands, deps),
    'card.action': (turn) => answerCardAction(turn, verbs, deps),
    installed: (turn) => recordInstall(turn, deps),
    uninstalled: (turn) => recordUninstall(turn, deps),
  };
}
