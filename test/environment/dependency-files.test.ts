/**
 * What a commit's dependency files say, read from git: how they are installed, which
 * path dependencies they have, what Python they ask for; and what is refused (an index
 * or a path the repository chooses). Also the interpreter choice and the runner's needs,
 * on hand-built values.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { discoveryFolders, readDependencySet } from '../../src/environment/dependency-files.js';
import { chooseInterpreter, type Interpreter } from '../../src/environment/interpreters.js';
import { runnerAdditions } from '../../src/environment/runner-needs.js';
import { parseSpecifier, satisfies, type Version } from '../../src/environment/specifier.js';
import { committedFiles } from '../config/committed.js';

const INDEX = 'https://pypi.org/simple';
const CONFIG = '.github/driftbot.yml';

async function read(files: Record<string, string>, requirements: string[] | null, folders = ['.']) {
  return readDependencySet(await committedFiles(files), requirements, folders, CONFIG, INDEX);
}

async function refusal(files: Record<string, string>, requirements: string[] | null): Promise<string> {
  return read(files, requirements).then(
    () => 'no error',
    (error: Error) => error.message,
  );
}

const LOCK_FROM_PYPI = `version = 1
[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "acme-sdk"
version = "1.0.0"
source = { directory = "../sdks/python" }
`;

describe('dependency files', () => {
  it('installs a pyproject.toml from the uv.lock beside it, with its path dependencies and requires-python', async () => {
    const set = await read({ 'server/pyproject.toml': '[project]\nname = "s"\nrequires-python = "==3.12.*"\n', 'server/uv.lock': LOCK_FROM_PYPI, 'sdks/python/x.py': '' }, [
      'server/pyproject.toml',
    ]);
    expect(set).toMatchObject({
      steps: [{ kind: 'uv-lock', folder: 'server' }],
      pathDependencies: ['sdks/python'],
      requiresPython: { specifier: '==3.12.*', from: 'server/pyproject.toml' },
      chosenBy: `python.requirements in ${CONFIG}`,
    });
    expect(set?.files.map((f) => f.path)).toEqual(['server/pyproject.toml', 'server/uv.lock']);
  });

  it('turns poetry.lock into exact pins under their markers', async () => {
    const lock = `[[package]]\nname = "six"\nversion = "1.16.0"\n\n[[package]]\nname = "pywin32"\nversion = "306"\nmarkers = "sys_platform == \\"win32\\""\n`;
    const set = await read({ 'pyproject.toml': '[tool.poetry]\nname = "s"\n', 'poetry.lock': lock }, null);
    expect(set?.steps).toEqual([{ kind: 'poetry-lock', folder: '.', requirements: ['six==1.16.0', 'pywin32==306 ; sys_platform == "win32"'] }]);
  });

  it('follows requirements includes and records -e path requirements', async () => {
    const set = await read({ 'requirements.txt': '-r requirements-base.txt\n-e ./libs/core  # ours\n', 'requirements-base.txt': 'six==1.16.0\n', 'libs/core/setup.py': '' }, [
      'requirements.txt',
    ]);
    expect(set?.files.map((f) => f.path)).toEqual(['requirements-base.txt', 'requirements.txt']);
    expect(set?.pathDependencies).toEqual(['libs/core']);
    expect(set?.steps).toEqual([{ kind: 'requirements', folder: '.', file: 'requirements.txt' }]);
  });

  it('discovers nothing where there is nothing to install (a pyproject.toml for tool settings only)', async () => {
    expect(await read({ 'pyproject.toml': '[tool.ruff]\nline-length = 100\n' }, null)).toBeNull();
    expect(await read({ 'app/models.py': '' }, null)).toBeNull();
    expect(await read({ 'requirements.txt': 'six\n' }, [])).toBeNull();
  });

  it('discovers the files nearest the import roots and migrations first, and says so', async () => {
    expect(discoveryFolders(['api'], ['services/billing/migrations/versions'])).toEqual(['api', 'services/billing/migrations', 'services/billing', 'services', '.']);
    const set = await read({ 'requirements.txt': 'six\n', 'services/billing/requirements.txt': 'attrs\n' }, null, discoveryFolders([], ['services/billing/migrations/versions']));
    expect(set?.files.map((f) => f.path)).toEqual(['services/billing/requirements.txt']);
    expect(set?.chosenBy).toContain('found services/billing/requirements.txt');
  });

  it('refuses an index, find-links or a lock from another registry, naming the file (and line)', async () => {
    expect(await refusal({ 'pyproject.toml': '[project]\nname = "s"\n[[tool.uv.index]]\nurl = "https://x.example/simple"\n' }, null)).toMatch(
      /^pyproject\.toml: \[tool\.uv\] index: a repository does not choose where driftbot downloads packages from/,
    );
    expect(await refusal({ 'requirements.txt': 'six\n--extra-index-url https://x.example/simple\n' }, null)).toMatch(/^requirements\.txt:2:1: --extra-index-url: /);
    expect(await refusal({ 'requirements.txt': '-r more.txt\n', 'more.txt': '--find-links /tmp/wheels\n' }, null)).toMatch(/^more\.txt:1:1: --find-links: /);
    expect(
      await refusal({ 'pyproject.toml': '[project]\nname = "s"\n', 'uv.lock': LOCK_FROM_PYPI.replace('https://pypi.org/simple', 'https://x.example/simple') }, null),
    ).toContain('uv.lock: package six from https://x.example/simple');
    // Naming the operator's own index is no choice at all.
    expect(await refusal({ 'requirements.txt': '--index-url https://pypi.org/simple/\nsix\n' }, null)).toBe('no error');
  });

  it('refuses a path dependency outside the repository', async () => {
    expect(await refusal({ 'requirements.txt': '-e ../../elsewhere\n' }, null)).toMatch(/^requirements\.txt:1:1: "\.\.\/\.\.\/elsewhere" is outside the repository/);
    expect(await refusal({ 'pyproject.toml': '[project]\nname = "s"\ndependencies = ["x"]\n[tool.uv.sources]\nx = { path = "/opt/x" }\n' }, null)).toContain(
      '[tool.uv.sources] x: "/opt/x" is outside the repository',
    );
  });

  it('leaves out a group or extra that needs a path outside the repository (an internal plugin), and says so', async () => {
    // Netflix Dispatch's shape: its `netflix` extra and group name a package that only its
    // maintainers have, beside the repository; everything else installs from the index.
    const pyproject = `[project]
name = "s"
dependencies = ["six"]
[project.optional-dependencies]
dev = ["attrs"]
netflix = ["internal-plugins"]
[dependency-groups]
lint = ["ruff"]
netflix = ["internal-plugins>=1"]
all = [{ include-group = "netflix" }, "black"]
[tool.uv.sources]
internal-plugins = { path = "../internal-plugins", editable = true }
`;
    const set = await read({ 'pyproject.toml': pyproject }, ['pyproject.toml']);
    expect(set?.steps).toEqual([{ kind: 'pyproject', folder: '.', groups: ['lint'], extras: ['dev'] }]);
    expect(set?.pathDependencies).toEqual([]);
    expect(set?.leftOut).toEqual([
      'pyproject.toml: extra netflix and dependency groups netflix, all left out: they need internal-plugins, which [tool.uv.sources] takes from "../internal-plugins", outside the repository',
    ]);
    // Inside the repository, but not in the commit (a folder cloned in beside the code): the same.
    const cloned = await read({ 'pyproject.toml': pyproject.replace('"../internal-plugins"', '"./internal-plugins"') }, ['pyproject.toml']);
    expect(cloned?.steps).toEqual([{ kind: 'pyproject', folder: '.', groups: ['lint'], extras: ['dev'] }]);
    expect(cloned?.leftOut[0]).toContain('takes from "./internal-plugins", not in this commit');
    // In the project's own dependencies it cannot be left out.
    expect(await refusal({ 'pyproject.toml': pyproject.replace('["six"]', '["six", "internal-plugins"]') }, null)).toContain(
      '[tool.uv.sources] internal-plugins: "../internal-plugins" is outside the repository',
    );
  });

  it('names the file of a TOML syntax error', async () => {
    expect(await refusal({ 'pyproject.toml': '[project\n' }, null)).toMatch(/^pyproject\.toml:1:\d+: not valid TOML/);
  });

  it('reads python.requirements and python.version from the configuration', () => {
    const config = parseConfig('databases:\n  - chains: [{ versions: db/versions }]\npython:\n  requirements: [./server/pyproject.toml]\n  version: "3.12"\n', CONFIG);
    expect(config.python).toMatchObject({ requirements: ['server/pyproject.toml'], version: '3.12' });
    expect(() => parseConfig('databases:\n  - chains: [{ versions: db/versions }]\npython:\n  version: latest\n', CONFIG)).toThrow(/python\.version: give a Python version/);
  });
});

describe('the interpreter', () => {
  const at = (version: Version, executable = `/py/${version.join('.')}/bin/python3`): Interpreter => ({ executable, version });
  const machine = [at([3, 9, 18]), at([3, 10, 13]), at([3, 11, 7]), at([3, 12, 1])];

  it('matches PEP 440 specifiers on release versions', () => {
    const ok = (specifier: string, version: Version) => satisfies(version, parseSpecifier(specifier) as never);
    expect(ok('==3.12.*', [3, 12, 4])).toBe(true);
    expect(ok('==3.12.*', [3, 13, 0])).toBe(false);
    expect(ok('>=3.10,<3.12', [3, 11, 9])).toBe(true);
    expect(ok('>=3.10,<3.12', [3, 12, 0])).toBe(false);
    expect(ok('~=3.11', [3, 13, 1])).toBe(true);
    expect(ok('~=3.11.2', [3, 12, 0])).toBe(false);
    expect(ok('3.12', [3, 12, 7])).toBe(true);
    expect(ok('!=3.11.*', [3, 11, 2])).toBe(false);
    expect(parseSpecifier('>=three')).toContain('is not a version specifier');
  });

  it('prefers the one driftbot runs on when it fits, else the newest that fits', () => {
    expect(chooseInterpreter(machine, { specifier: '>=3.10', from: 'x' }, '/py/3.11.7/bin/python3')).toEqual(at([3, 11, 7]));
    expect(chooseInterpreter(machine, { specifier: '>=3.10', from: 'x' }, null)).toEqual(at([3, 12, 1]));
    expect(chooseInterpreter(machine, null, '/py/3.11.7/bin/python3')).toEqual(at([3, 11, 7]));
  });

  it('says what was asked, by which file, what was found, and what to do', () => {
    const message = chooseInterpreter(machine, { specifier: '==3.9.*', from: 'requires-python in server/pyproject.toml' }, null) as string;
    expect(message).toContain(
      'requires-python in server/pyproject.toml asks for Python ==3.9.*, and no interpreter on this machine fits it (found: 3.9.18 (/py/3.9.18/bin/python3), 3.10.13',
    );
    expect(message).toContain("driftbot's runner needs Python 3.10 or newer");
    expect(message).toContain('uv python install 3.9');
  });
});

describe("the runner's needs", () => {
  const pins = 'alembic==1.20.1\nSQLAlchemy==2.0.58\npsycopg[binary]==3.3.9\n# comment\ngreenlet==3.5.6\nuv==0.13.9\n';

  it('adds what is missing at driftbot’s pins, keeping the project’s own versions', () => {
    expect(runnerAdditions({ six: '1.16.0' }, pins, ['requirements.txt'])).toEqual(['SQLAlchemy==2.0.58', 'alembic==1.20.1', 'psycopg[binary]==3.3.9', 'greenlet==3.5.6']);
    expect(runnerAdditions({ SQLAlchemy: '2.0.30', Alembic: '1.13.0', psycopg: '3.2.0', greenlet: '3.0.0' }, pins, [])).toEqual([]);
  });

  it('says clearly when the project pins a SQLAlchemy the runner cannot use', () => {
    expect(runnerAdditions({ sqlalchemy: '1.4.52' }, pins, ['requirements.txt'])).toMatch(
      /^the project's dependencies \(requirements\.txt\) install SQLAlchemy 1\.4\.52, and driftbot's runner needs SQLAlchemy 2\.0 or newer/,
    );
  });
});
