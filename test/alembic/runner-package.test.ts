/** The runner package: importing any of its modules only defines things; the process is set up by protocol.main(). */
import { describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runnerScriptPath } from '../../src/alembic/python-env.js';

// Loads the package as the entry script does, imports every module, and reports what changed.
const PROBE = `
import importlib, importlib.util, json, os, resource, sys, types

entry_path, names = sys.argv[1], sys.argv[2:]
before = {
    "stdout": id(sys.stdout),
    "fd1": os.fstat(1).st_ino,
    "meta_path": list(map(id, sys.meta_path)),
    "path": list(sys.path),
    "bytecode": sys.dont_write_bytecode,
    "limits": [resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_CORE, resource.RLIMIT_CPU)],
}
spec = importlib.util.spec_from_file_location("driftbot_runner_entry", entry_path)
entry = importlib.util.module_from_spec(spec)
spec.loader.exec_module(entry)
entry.load_package(os.path.dirname(entry_path))
modules = {name: importlib.import_module("driftbot_runner." + name) for name in names}
after = {
    "stdout": id(sys.stdout),
    "fd1": os.fstat(1).st_ino,
    "meta_path": list(map(id, sys.meta_path)),
    "path": list(sys.path),
    "bytecode": sys.dont_write_bytecode,
    "limits": [resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_CORE, resource.RLIMIT_CPU)],
}
# Mutable module globals would be state shared by every request: caches belong to objects.
mutable = sorted(
    f"{name}.{attribute}"
    for name, module in modules.items()
    for attribute, value in vars(module).items()
    if not attribute.startswith("__") and type(value) in (dict, list, set, bytearray)
)
print(json.dumps({"changed": sorted(k for k in before if before[k] != after[k]), "mutable": mutable, "imported": sorted(modules)}))
`;

describe('the runner package', () => {
  const folder = dirname(runnerScriptPath());
  const modules = readdirSync(folder)
    .filter((name) => name.endsWith('.py') && !name.startsWith('__'))
    .map((name) => name.slice(0, -3))
    .sort();

  it('holds the modules of the runner, one idea each', () => {
    expect(modules).toEqual(expect.arrayContaining(['limits', 'models', 'protocol', 'scan', 'stand_ins', 'upgrade']));
  });

  it('imports without side effects: stdout, descriptor 1, sys.path, the import machinery and the limits are untouched, and no module keeps mutable state', () => {
    // Bytecode of the probe's imports goes to a folder of its own, never into the source tree.
    const env = { PATH: process.env.PATH ?? '', PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'driftbot-test-pycache-')) };
    const output = execFileSync(inject('pythonExecutable'), ['-c', PROBE, runnerScriptPath(), ...modules], { env }).toString();
    // Printed on stdout after every import: proof in itself that stdout still is stdout.
    expect(JSON.parse(output)).toEqual({ changed: [], mutable: [], imported: modules });
  });

  it('answers each request line in turn, an unknown command with an error naming it, until shutdown', () => {
    const input = [
      '{"id": 1, "command": "nope"}',
      '',
      '{"id": 2, "command": "scan", "versions": "/nonexistent/versions", "root": "/nonexistent"}',
      '{"id": 3, "command": "shutdown"}',
      '{"id": 4, "command": "nope"}',
    ].join('\n');
    const env = { PATH: process.env.PATH ?? '', PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'driftbot-test-pycache-')) };
    const output = execFileSync(inject('pythonExecutable'), ['-u', runnerScriptPath()], { input, env }).toString();
    const responses = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(responses.map((r) => [r.id, r.ok, r.error?.message])).toEqual([
      [1, false, "ValueError: unknown command 'nope'"],
      [2, false, 'ValueError: versions folder not found: versions'],
      [3, true, undefined],
    ]);
  });
});
