/** Slash commands in pull-request comments: `/driftbot check|apply|explain|help`. */
export type Command = 'check' | 'apply' | 'explain' | 'help';

const COMMANDS: Command[] = ['check', 'apply', 'explain', 'help'];

/** The command a comment gives, if any: a line that starts with `/driftbot`. */
export function parseCommand(body: string): Command | null {
  const match = /^\s*\/driftbot(?:\s+(\S+))?\s*$/im.exec(body);
  if (!match) return null;
  const word = (match[1] ?? 'help').toLowerCase();
  return COMMANDS.includes(word as Command) ? (word as Command) : 'help';
}

export const HELP = `**driftbot** compares this branch's databases three ways — a fresh install, a database upgraded from the base branch, and the models — and proposes a migration that reconciles them.

| command | what it does |
|---|---|
| \`/driftbot check\` | runs the analysis again on the latest commit |
| \`/driftbot apply\` | commits the proposed migration to this branch |
| \`/driftbot explain\` | replies with the full evidence: every difference, the schema diff, the report as JSON |
| \`/driftbot help\` | this message |

Commands, and the \`driftbot:rerun\` label (which runs the analysis again too), are for people with write access to the repository. Each acts on the commit that was the head when you asked: if a push moves the branch before driftbot is done, it says so and does nothing.`;

/** The label that runs the analysis again (and comes off at once). */
export const RERUN_LABEL = 'driftbot:rerun';
