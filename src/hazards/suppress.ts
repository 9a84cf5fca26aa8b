/**
 * `# driftbot: allow <rule-id> <reason>` comments in a revision file. One allows that
 * rule's hazards anywhere in that revision (placed on the line above the op call, it
 * also says which call it is about). The reason is required: it is the review record.
 */
import { RULE_IDS } from './rules/index.js';

export interface Suppression {
  rule: string;
  reason: string;
  line: number;
}

export interface SuppressionProblem {
  line: number;
  message: string;
}

const MARKER = /#\s*driftbot:\s*allow\b(.*)$/i;

export function readSuppressions(content: string): { suppressions: Suppression[]; problems: SuppressionProblem[] } {
  const suppressions: Suppression[] = [];
  const problems: SuppressionProblem[] = [];
  content.split('\n').forEach((text, i) => {
    const match = MARKER.exec(text);
    if (!match) return;
    const line = i + 1;
    const [rule = '', ...words] = match[1]!.trim().split(/\s+/).filter(Boolean);
    const reason = words.join(' ');
    if (!RULE_IDS.has(rule)) {
      problems.push({ line, message: rule ? `unknown rule "${rule}"; the rules are ${[...RULE_IDS].join(', ')}` : `no rule id; write "# driftbot: allow <rule-id> <reason>"` });
    } else if (!reason) {
      problems.push({ line, message: `no reason given for allowing ${rule}; write "# driftbot: allow ${rule} <why it is safe here>"` });
    } else {
      suppressions.push({ rule, reason, line });
    }
  });
  return { suppressions, problems };
}
