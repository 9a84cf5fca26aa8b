/**
 * A DoctorReport as text for a terminal. Everything the repository chose (paths, module
 * names, metadata expressions) is printed with control characters replaced, so a file
 * name cannot move the cursor or recolour the terminal.
 */
import type { DoctorReport } from './doctor.js';

export function renderDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  const list = (items: string[]) => (items.length ? items.map(clean).join(', ') : 'none');
  lines.push(`driftbot doctor: ${clean(report.commit.ref)} (${report.commit.sha.slice(0, 7)})`, '');
  lines.push(`Configuration: ${report.source === 'discovered' ? 'none: discovery' : clean(report.source)}`);
  for (const assumption of report.assumptions) lines.push(`  assumed: ${clean(assumption)}`);
  for (const warning of report.warnings) lines.push(`  warning: ${clean(warning)}`);
  for (const database of report.databases) {
    lines.push('', `Database ${clean(database.name)}`);
    for (const chain of database.chains) {
      lines.push(
        `  chain ${clean(chain.versions)} (version table ${clean(chain.versionTable)}): ${chain.revisions} revision${chain.revisions === 1 ? '' : 's'}, head${chain.heads.length === 1 ? '' : 's'} ${list(chain.heads)} (read as text: approximate)`,
      );
      if (!chain.envPy) {
        lines.push('    env.py: none beside the versions folder');
        continue;
      }
      lines.push(`    ${clean(chain.envPy.path)} imports: ${list(chain.envPy.imports)}`);
      lines.push(`    of which in this repository: ${list(chain.envPy.importedFiles)}`);
      lines.push(`    target_metadata = ${chain.envPy.targetMetadata.length ? chain.envPy.targetMetadata.map(clean).join(' | ') : 'not assigned'}`);
    }
    lines.push(`  model files imported: ${list(database.modelFiles)}`);
  }
  const { dependencies } = report;
  lines.push(
    '',
    dependencies.problem
      ? `Dependency files: unusable: ${clean(dependencies.problem)}`
      : `Dependency files: ${dependencies.files.length ? `${list(dependencies.files)} (${clean(dependencies.chosenBy ?? '')})` : "none: driftbot's own environment is used"}${
          dependencies.requiresPython ? `; requires-python ${clean(dependencies.requiresPython)}` : ''
        }`,
    ...dependencies.leftOut.map((note) => `  not installed: ${clean(note)}`),
  );
  const { interpreter } = report;
  lines.push(
    `Python: ${clean(interpreter.python)} (${interpreter.chosenBy}): ${interpreter.version ? `Python ${interpreter.version}` : `unusable: ${clean(interpreter.problem ?? '')}`}`,
  );
  lines.push(
    `Settings: python.env ${list(report.settings.envNames)} (values not shown); env_file ${list(report.settings.envFiles)}; mounts ${list(Object.entries(report.settings.mounts).map(([point, folder]) => `${point}: ${folder}`))}; files written ${list(report.settings.writtenFiles)}`,
  );
  lines.push(`Sandbox: ${report.sandbox.available ? `works here (bubblewrap ${report.sandbox.version})` : `not available: ${report.sandbox.reason}`}`);
  lines.push('', 'Suggested .github/driftbot.yml (nothing was written):', '', ...report.suggestedConfig.trimEnd().split('\n').map(clean));
  return `${lines.join('\n')}\n`;
}

/** One line, no control characters. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}
