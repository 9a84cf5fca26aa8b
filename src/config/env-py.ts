/**
 * What an Alembic env.py says about its models, read statically (it is the pull
 * request's code: never run): the modules it imports at module level and what
 * `target_metadata` is assigned. Pure: text in, facts out.
 *
 * The tokenizer is approximate where it does not matter here: it knows strings (with
 * prefixes, triple quotes, escapes), comments, brackets, backslash continuations and
 * `;`, but not f-string nesting, `match` blocks or encodings other than UTF-8. A
 * statement counts when it sits at module level or only inside `try`/`except`/
 * `else`/`finally`/`if`/`elif` blocks (not in a `def`, `class`, `with` or loop).
 */
import { posix } from 'node:path';

export interface EnvImport {
  /** Dotted module as written, with leading dots for relative imports: `app.models`, `.models`. */
  module: string;
  /** For `from m import n`: n (`*` for a star import); null for `import m`. */
  name: string | null;
  /** The name the import binds in env.py: `a` for `import a.b`, the alias, `*`. */
  binds: string;
}

export interface EnvPyFacts {
  imports: EnvImport[];
  /** Each right-hand side assigned to `target_metadata`, as written (`Base.metadata`, `None`). */
  targetMetadata: string[];
}

interface LogicalLine {
  indent: number;
  text: string;
}

/** Block headers whose bodies still run when env.py is imported. */
const MODULE_LEVEL_BLOCKS = /^(try|except|else|finally|if|elif)\b/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODULE = /^\.*([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$/;

export function readEnvPy(text: string): EnvPyFacts {
  const facts: EnvPyFacts = { imports: [], targetMetadata: [] };
  const open: { indent: number; moduleLevel: boolean }[] = [];
  for (const line of logicalLines(text)) {
    while (open.length && open[open.length - 1]!.indent >= line.indent) open.pop();
    const runsAtImport = open.every((block) => block.moduleLevel);
    const header = /^(\w+)\b[\s\S]*:$/.exec(line.text);
    if (header && !/^(import|from|target_metadata)\b/.test(line.text)) {
      open.push({ indent: line.indent, moduleLevel: MODULE_LEVEL_BLOCKS.test(line.text) });
      continue;
    }
    if (!runsAtImport) continue;
    for (const statement of line.text.split(';').map((s) => s.trim())) readStatement(statement, facts);
  }
  return facts;
}

function readStatement(statement: string, facts: EnvPyFacts): void {
  const plain = /^import\s+(.+)$/.exec(statement);
  if (plain) {
    for (const part of splitTopLevel(plain[1]!)) {
      const [module = '', alias] = part.split(/\s+as\s+/).map((s) => s.trim());
      if (MODULE.test(module) && module) facts.imports.push({ module, name: null, binds: alias ?? module.split('.')[0]! });
    }
    return;
  }
  const from = /^from\s+(\S+)\s+import\s+(.+)$/.exec(statement);
  if (from) {
    const module = from[1]!;
    if (!MODULE.test(module)) return;
    for (const part of splitTopLevel(from[2]!.replace(/^\(|\)$/g, ''))) {
      const [name = '', alias] = part.split(/\s+as\s+/).map((s) => s.trim());
      if (name === '*' || IDENTIFIER.test(name)) facts.imports.push({ module, name, binds: alias ?? name });
    }
    return;
  }
  const assignment = /^target_metadata\s*(?::[^=]+)?=(?!=)\s*(.+)$/.exec(statement);
  if (assignment) facts.targetMetadata.push(assignment[1]!.trim());
}

/** Items separated by top-level commas (strings are already blanked). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if ('([{'.includes(char)) depth++;
    if (')]}'.includes(char)) depth--;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

/**
 * Python's logical lines: comments dropped, every string literal blanked to `""` (so
 * "import x" inside one is not an import), lines joined inside brackets and after a
 * backslash, whitespace runs collapsed. Blank lines are left out.
 */
export function logicalLines(text: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let current = '';
  let indent = -1;
  let depth = 0;
  let i = 0;
  const finish = () => {
    const trimmed = current.replace(/\s+/g, ' ').trim();
    if (trimmed) lines.push({ indent: Math.max(indent, 0), text: trimmed });
    current = '';
    indent = -1;
  };
  while (i < text.length) {
    const char = text[i]!;
    if (indent === -1 && depth === 0) {
      // The start of a logical line: measure its indentation.
      const match = /^[ \t]*/.exec(text.slice(i, i + 200))!;
      const rest = text[i + match[0].length];
      if (rest === '\n' || rest === '\r' || rest === '#' || rest === undefined) {
        const end = text.indexOf('\n', i);
        i = end === -1 ? text.length : end + 1;
        continue;
      }
      indent = match[0].replace(/\t/g, '        ').length;
      i += match[0].length;
      continue;
    }
    if (char === '#') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (char === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      current += ' ';
      continue;
    }
    if (char === '"' || char === "'") {
      i = skipString(text, i);
      // A string prefix (r, b, f, rb…) was read as a name: it belongs to the string.
      current = `${current.replace(/\b[rRbBuUfF]{1,2}$/, '')}""`;
      continue;
    }
    if ('([{'.includes(char)) depth++;
    if (')]}'.includes(char)) depth = Math.max(depth - 1, 0);
    if (char === '\n' && depth === 0) {
      finish();
      i++;
      continue;
    }
    current += char === '\n' || char === '\r' ? ' ' : char;
    i++;
  }
  finish();
  return lines;
}

/** The index just after the string literal that opens at `start`. */
function skipString(text: string, start: number): number {
  const quote = text[start]!;
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  let i = start + closing.length;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text.startsWith(closing, i)) return i + closing.length;
    // An unterminated one-line string ends at the line's end, as Python would complain.
    if (!triple && text[i] === '\n') return i;
    i++;
  }
  return i;
}

/**
 * The repository files behind env.py's imports: `a.b` is `<root>/a/b.py` or
 * `<root>/a/b/__init__.py` under the first import root that has it; `from a import b`
 * is module a and, when b is a submodule, that too. Relative imports are resolved
 * against env.py's own folder. Imports of installed packages resolve to nothing.
 */
export function importedFiles(facts: EnvPyFacts, envPy: string, roots: string[], paths: string[]): string[] {
  return importedModules(facts, envPy, roots, paths).map((found) => found.file);
}

/** The same, with the import root each file was found under (null for a relative import). */
export function importedModules(facts: EnvPyFacts, envPy: string, roots: string[], paths: string[]): { file: string; root: string | null }[] {
  const present = new Set(paths);
  const found: { file: string; root: string | null }[] = [];
  const add = (module: { file: string; root: string | null } | null) => {
    if (module && module.file !== envPy && !found.some((f) => f.file === module.file)) found.push(module);
  };
  for (const { module, name } of facts.imports) {
    const relative = module.startsWith('.');
    const folders = folderCandidates(module, envPy, roots);
    const dotted = module.replace(/^\.+/, '');
    const rootless = (m: { file: string; root: string } | null) => (m && relative ? { file: m.file, root: null } : m);
    add(rootless(moduleFile(folders, dotted, present)));
    if (name && name !== '*') add(rootless(moduleFile(folders, dotted ? `${dotted}.${name}` : name, present)));
  }
  return found;
}

function folderCandidates(module: string, envPy: string, roots: string[]): string[] {
  const dots = /^\.*/.exec(module)![0].length;
  if (!dots) return roots;
  let folder = posix.dirname(envPy);
  for (let up = 1; up < dots; up++) folder = posix.dirname(folder);
  return [folder];
}

function moduleFile(folders: string[], dotted: string, present: Set<string>): { file: string; root: string } | null {
  if (!dotted) return null;
  const relative = dotted.split('.').join('/');
  for (const folder of folders) {
    for (const candidate of [`${relative}.py`, `${relative}/__init__.py`]) {
      const file = posix.normalize(posix.join(folder, candidate));
      if (present.has(file)) return { file, root: folder };
    }
  }
  return null;
}

/**
 * The files of the imports target_metadata is built from: those that bind the first
 * name of one of its items (`Base` in `Base.metadata`, `models` in
 * `models.Base.metadata`), and star imports, which may bind anything.
 */
export function metadataFiles(facts: EnvPyFacts, envPy: string, roots: string[], paths: string[]): string[] {
  const names = new Set(facts.targetMetadata.flatMap((expression) => [...expression.matchAll(/(?<![\w.])([A-Za-z_]\w*)(?=\s*\.)/g)].map((m) => m[1]!)));
  const used = facts.imports.filter((i) => i.binds === '*' || names.has(i.binds));
  return importedFiles({ ...facts, imports: used }, envPy, roots, paths);
}

/** Whether env.py gives models to compare: a target_metadata that is not just None. */
export function namesMetadata(facts: EnvPyFacts): boolean {
  return facts.targetMetadata.some((expression) => expression !== 'None');
}
