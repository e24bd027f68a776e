/**
 * The message family: a chat message is a command (commands.ts reads it) or help. The command table in
 * route-table.ts names each command's handler; a command's failure is answered here, through error-answers.ts.
 */
import type { Logger } from '../../logger';
import { NotPermitted, TooManyRuns } from '../../reminders/errors';
import { isStoreFault } from '../../storage/store-faults';
import type { CommandName } from '../commands';
import { parseCommand } from '../commands';
import { replyToCommandFailure, type CommandErrorWording } from '../error-answers';
import { t } from '../i18n';
import { replyWithHelp, type HelpDeps } from './commands/help';
import { replyWithText } from './replies';
import type { RoutedTurn } from './routed-turn';

/** One command's handler: `args` is the text after the command word, trimmed. */
export type CommandHandler = (turn: RoutedTurn, args: string) => Promise<void>;

export type CommandTable = { readonly [C in CommandName]: CommandHandler };

export type MessageDeps = HelpDeps & CommandErrorWording & { readonly logger: Logger };

export async function routeMessage(turn: RoutedTurn, commands: CommandTable, deps: MessageDeps): Promise<void> {
  const text = typeof turn.activity.text === 'string' ? turn.activity.text : '';
  const cmd = parseCommand(text);
  if (!cmd.name) {
    if (cmd.text === '') return replyWithHelp(turn, deps);
    return replyWithText(turn, t(turn.locale, 'unknown.text', { input: cmd.text.slice(0, 100) }));
  }
  try {
    await commands[cmd.name](turn, cmd.args);
  } catch (err) {
    if (err instanceof NotPermitted || err instanceof TooManyRuns) {
      const from = turn.activity.from;
      deps.logger.warn({ aadObjectId: from?.aadObjectId, userId: from?.id, tenantId: turn.tenantId, command: cmd.name, refusal: err.code }, 'command refused');
    }
    const reply = replyToCommandFailure(err, cmd.name, turn.locale, deps);
    // No words for it: the turn fails, and the adapter logs it and apologises.
    if (reply === undefined) throw err;
    if (isStoreFault(err)) deps.logger.error({ err, activityId: turn.activity.id, command: cmd.name }, 'the store refused; the person is told nothing was recorded');
    await replyWithText(turn, reply);
  }
}
