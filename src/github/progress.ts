/**
 * What the check run shows while an analysis runs: the chains being applied, and the
 * project's dependencies being installed — the side and the step only, never file names
 * (they are the pull request's). Pure.
 */
const ENVIRONMENT_STEPS = { installing: 'installing', reused: 'already installed', ready: 'installed', adding: "adding driftbot's runner packages" };

/** The check run's progress line for a log line of the analysis, or null when it is not a step shown there. */
export function progressLine(line: string): string | null {
  const stage = /^(\S+): (fresh|base|upgraded): applying (.*)$/.exec(line);
  if (stage) return `- ${stage[1]}: ${stage[2]} · \`${stage[3]}\``;
  const environment = /^python environment for (head|base|start\d+): (installing|reused|ready|adding)\b/.exec(line);
  if (environment) return `- Python dependencies for ${environment[1]}: ${ENVIRONMENT_STEPS[environment[2] as keyof typeof ENVIRONMENT_STEPS]}`;
  return null;
}
