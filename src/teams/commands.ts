/** The chat commands, English and Korean, and how a message's text becomes one. */

export type CommandName = 'help' | 'bind' | 'unbind' | 'teams' | 'workload' | 'tasks' | 'overdue' | 'run' | 'rotation';

export interface ParsedCommand {
  /** undefined: not a command we know. */
  readonly name?: CommandName;
  /** Text after the command word, trimmed. */
  readonly args: string;
  /** The whole text, mentions removed. */
  readonly text: string;
}

/** Command words; longer ones first so "연결 해제" is not read as "연결". */
const WORDS: readonly (readonly [string, CommandName])[] = (
  [
    ['help', 'help'],
    ['도움말', 'help'],
    ['bind', 'bind'],
    ['연결', 'bind'],
    ['unbind', 'unbind'],
    ['연결 해제', 'unbind'],
    ['연결해제', 'unbind'],
    ['teams', 'teams'],
    ['팀', 'teams'],
    ['workload', 'workload'],
    ['업무량', 'workload'],
    ['tasks', 'tasks'],
    ['내 작업', 'tasks'],
    ['내작업', 'tasks'],
    ['overdue', 'overdue'],
    ['지연', 'overdue'],
    // What a Korean SOC types for "overdue": the card's own word (기한 초과), with or without the space.
    ['기한초과', 'overdue'],
    ['기한 초과', 'overdue'],
    ['run', 'run'],
    ['실행', 'run'],
    ['rotation', 'rotation'],
    ['순번', 'rotation'],
    ['당번', 'rotation'],
  ] as const
)
  .slice()
  .sort((a, b) => b[0].length - a[0].length);

/** Longest message text read as a command; the rest is not looked at. */
export const MAX_COMMAND_TEXT = 2000;

/** Removes `<at>…</at>` mentions and any other markup Teams wraps a message in. */
export function stripMentions(text: string): string {
  // Bounded before the patterns run: on a long run of '<' they take time in the square of the length (200 KB of
  // them held the event loop 14 s in the attack review). No command is anywhere near this long.
  return text
    .slice(0, MAX_COMMAND_TEXT)
    .replace(/<at[^>]*>[\s\S]*?<\/at>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    // Last: what a person typed as "&lt;" arrives as "&amp;lt;" and must stay "&lt;", not become "<".
    .replace(/&amp;/gi, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseCommand(rawText: string): ParsedCommand {
  const text = stripMentions(rawText);
  const lower = text.toLowerCase();
  for (const [word, name] of WORDS) {
    if (lower === word || lower.startsWith(`${word} `)) return { name, args: text.slice(word.length).trim(), text };
  }
  return { args: '', text };
}

/**
 * `run «activity» [for «team»] [again]` (Korean: `실행 «활동» [대상 «팀»] [다시]`). `again` starts another task
 * where one is open already (issue 13).
 */
export function parseRunArgs(args: string): { activity: string; team?: string; again: boolean } {
  const againMatch = /^(.*?)\s+(?:again|다시)$/i.exec(args.trim());
  const rest = againMatch ? againMatch[1] : args;
  const m = /^(.*?)\s+(?:for|대상)\s+(.+)$/i.exec(rest);
  return { ...(m ? { activity: m[1].trim(), team: m[2].trim() } : { activity: rest.trim() }), again: againMatch !== null };
}

/**
 * `rotation [«team»]`, `rotation set «team» @person…`, `rotation reset «team»` (Korean: `순번 [«팀»]`, `순번 설정 …`,
 * `순번 초기화 …`). The people of `set` are read from the message's mention entities, not from this text (Teams
 * has removed their `<at>` tags from it already).
 */
export function parseRotationArgs(args: string): { action: 'show' | 'set' | 'reset'; team: string } {
  const m = /^(set|설정|reset|초기화)(?:\s+(.*))?$/i.exec(args.trim());
  if (!m) return { action: 'show', team: args.trim() };
  const word = m[1]!.toLowerCase();
  return { action: word === 'set' || word === '설정' ? 'set' : 'reset', team: (m[2] ?? '').trim() };
}
