/**
 * `npm run bench:real -- --agenta ~/src/agenta [--polar DIR] …`: driftbot on real
 * commits of real Alembic projects (bench/real-projects/cases.ts), from local clones the
 * caller gives (this never downloads a project). For each case it runs
 * `bin/driftbot check --format json` as a user would, with our config for that project,
 * and prints the exit code, the findings, whether the fix was verified, the time, and
 * whether that is what a maintainer would want to hear. Not part of `npm test`: it
 * needs the clones, and each project's dependencies (installed by driftbot from the
 * project's own files when its config names them, or a Python given with
 * `--python-<project> PATH`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/package-root.js';
import { type Case, PROJECTS, type Project } from './real-projects/cases.js';

interface Outcome {
  code: number;
  ms: number;
  status: string;
  findings: string[];
  fixes: string;
  errors: string[];
}

async function main(argv: string[]): Promise<void> {
  const clones = new Map<string, string>();
  const pythons = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const name = flag.replace(/^--(python-)?/, '');
    if (!value || !flag.startsWith('--') || !PROJECTS.some((p) => p.name === name)) {
      throw new Error(`usage: npm run bench:real -- ${PROJECTS.map((p) => `[--${p.name} CLONE] [--python-${p.name} PYTHON]`).join(' ')} (got "${flag}")`);
    }
    (flag.startsWith('--python-') ? pythons : clones).set(name, value);
  }
  if (clones.size === 0) throw new Error(`give at least one clone: ${PROJECTS.map((p) => `--${p.name} DIR (${p.url})`).join(', ')}`);
  let met = 0;
  let total = 0;
  for (const project of PROJECTS) {
    const clone = clones.get(project.name);
    if (!clone) continue;
    console.log(`\n${project.name} (${project.url}), config bench/real-projects/${project.config}`);
    for (const testCase of project.cases) {
      const outcome = await runCase(project, testCase, clone, pythons.get(project.name));
      const ok = testCase.expect === 'no-error' ? outcome.status !== 'error' : outcome.status === testCase.expect;
      met += ok ? 1 : 0;
      total++;
      console.log(
        `  ${ok ? 'as expected' : 'NOT as expected'}  ${testCase.base ?? `${testCase.head}~1`}..${testCase.head}  exit ${outcome.code}  ${outcome.status}  ${(outcome.ms / 1000).toFixed(1)} s  fix: ${outcome.fixes}`,
      );
      console.log(`    expected ${testCase.expect}: ${testCase.why}`);
      for (const finding of outcome.findings) console.log(`    finding: ${finding}`);
      for (const error of outcome.errors) console.log(`    error: ${error}`);
    }
  }
  console.log(`\n${met} of ${total} cases as expected`);
  process.exitCode = met === total ? 0 : 1;
}

async function runCase(project: Project, testCase: Case, clone: string, python: string | undefined): Promise<Outcome> {
  const scratch = await mkdtemp(join(tmpdir(), 'driftbot-real-'));
  const output = join(scratch, 'report.json');
  const args = [
    join(packageRoot(), 'bin', 'driftbot'),
    'check',
    '--repo',
    clone,
    '--base',
    testCase.base ?? `${testCase.head}~1`,
    '--head',
    testCase.head,
    '--config',
    join(packageRoot(), 'bench', 'real-projects', project.config),
    '--format',
    'json',
    '--output',
    output,
    ...(python ? ['--python', python] : []),
  ];
  const started = performance.now();
  try {
    const { code, stderr } = await run(process.execPath, args);
    const ms = performance.now() - started;
    const report = JSON.parse(await readFile(output, 'utf8').catch(() => 'null')) as Report | null;
    if (!report) return { code, ms, status: 'no report', findings: [], fixes: '-', errors: [stderr.trim().split('\n').slice(-3).join(' / ')] };
    return {
      code,
      ms,
      status: report.status,
      findings: report.findings.map(
        (f) => `${f.database}: ${f.object} ${f.table ? `${f.table}.` : ''}${f.name} (${f.difference}${f.cause ? `, ${f.cause.revision} ${f.cause.kind}` : ''})`,
      ),
      fixes: report.fixes.length ? report.fixes.map((f) => `${f.database} ${f.revision} ${f.verified ? 'verified' : 'NOT verified'}`).join(', ') : '-',
      errors: report.errors.map((e) => `${e.path ?? ''} ${e.message}`.trim().slice(0, 400)),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Report {
  status: string;
  findings: { database: string; object: string; table: string | null; name: string; difference: string; cause: { revision: string; kind: string } | null }[];
  fixes: { database: string; revision: string; verified: boolean }[];
  errors: { path: string | null; message: string }[];
}

function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

await main(process.argv.slice(2));
