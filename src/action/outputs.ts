/**
 * What the Action hands back to the workflow, as text. Pure: GitHub's file formats and
 * workflow commands, so main only appends and prints.
 *
 * Annotations carry names and messages from the pull request; a newline or `::` in them
 * would otherwise end the command and start another, so they are escaped as GitHub's
 * toolkit does (`%`, CR, LF in the message; also `:` and `,` in properties).
 */
import { randomUUID } from 'node:crypto';
import type { Annotation } from '../report/check-run.js';

/** `$GITHUB_OUTPUT`: `name<<DELIMITER`, the value, the delimiter — safe for any value. */
export function outputLines(outputs: Record<string, string>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name}: its value contains the delimiter`);
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error` (or `::warning`, `::notice`) line per annotation, on the file and line it names. */
export function workflowCommands(annotations: Annotation[]): string {
  const levels = { failure: 'error', warning: 'warning', notice: 'notice' } as const;
  return annotations
    .map((a) => {
      const properties = [`file=${escapeProperty(a.path)}`, `line=${a.start_line}`, `endLine=${a.end_line}`, `title=${escapeProperty(a.title)}`].join(',');
      return `::${levels[a.annotation_level]} ${properties}::${escapeData(a.message)}\n`;
    })
    .join('');
}
