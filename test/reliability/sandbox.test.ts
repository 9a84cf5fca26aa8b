/**
 * A hostile pull request: one migration that tries every probe an attacker would —
 * driftbot's private key file, its process environment through /proc, the bare-clone
 * cache, driftbot's virtualenv, the host's Postgres sockets and TCP port, /etc/shadow,
 * files outside its work folder, a process that outlives the analysis, raising its own
 * limits — and reports what it reached. Every probe must come back blocked.
 *
 * These tests need the sandbox (bubblewrap, which .ci/run and the Dockerfile install).
 * Where the machine has none, the only right behaviour is the App refusing to run
 * repository code, which the policy test at the end checks on every machine.
 */
import { describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../../src/analysis/analyse.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { detectSandbox, probeSandbox } from '../../src/sandbox/sandbox.js';
import { appSandboxPolicy } from '../../src/sandbox/policy.js';
import { interpreterFolders } from '../../src/alembic/python-env.js';
import { newRepo, testServer } from '../support/analysis.js';
import { ACCOUNTS_0001, SCAFFOLD, revision, versionFile } from '../support/app-repo.js';

/** The probes, as a migration: each returns "blocked: …" or what it reached. */
function hostileMigration(targets: Record<string, unknown>): string {
  return `
T = json.loads(${JSON.stringify(JSON.stringify(targets))})
out = {}

def probe(name, attempt):
    try:
        out[name] = "REACHED: " + str(attempt())[:80]
    except BaseException as error:
        out[name] = "blocked: " + type(error).__name__

probe("key file", lambda: open(T["keyFile"]).read())
probe("driftbot environ", lambda: open("/proc/%d/environ" % T["driftbotPid"], "rb").read())
def secrets_in_proc():
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if b"PRIVATE_KEY" in open("/proc/%s/environ" % pid, "rb").read():
                    found.append(pid)
            except OSError:
                pass
    if not found:
        raise LookupError("no process with PRIVATE_KEY in its environment")
    return found
probe("any environ with PRIVATE_KEY", secrets_in_proc)
probe("own environ has secrets", lambda: [k for k in os.environ if k in ("PRIVATE_KEY", "WEBHOOK_SECRET", "DRIFTBOT_DATABASE_URL", "GITHUB_TOKEN")] or (_ for _ in ()).throw(LookupError("none")))
probe("clone cache listed", lambda: os.listdir(T["cacheDir"]))
def plant_hook():
    with open(os.path.join(T["cacheDir"], "hooks-planted"), "w") as handle:
        handle.write("x")
    return "planted"
probe("clone cache written", plant_hook)
def plant_pth():
    site = [p for p in sys.path if p.endswith("site-packages")][0]
    with open(os.path.join(site, "zz_driftbot_evil.pth"), "w") as handle:
        handle.write("import os\\n")
    return site
probe("venv written", plant_pth)
probe("etc shadow", lambda: open("/etc/shadow").read())
probe("etc passwd", lambda: open("/etc/passwd").read())
def home_contents():
    # bwrap makes the folders leading to what it shows (the interpreter): those, and nothing else, may be in a home.
    found = []
    for home in ("/root", "/home"):
        for top, folders, files in os.walk(home):
            folders[:] = [f for f in folders if os.path.join(top, f) not in T["interpreter"]]
            for name in folders + files:
                path = os.path.join(top, name)
                if not any(i == path or i.startswith(path + "/") for i in T["interpreter"]):
                    found.append(path)
    if not found:
        raise LookupError("nothing but the way to the interpreter")
    return found
probe("home of driftbot", home_contents)
def unix_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(path)
    return path
probe("host postgres socket", lambda: unix_socket("/var/run/postgresql/.s.PGSQL.5432"))
probe("tcp to postgres", lambda: socket.create_connection(("127.0.0.1", T["serverPort"]), timeout=3))
probe("tcp anywhere", lambda: socket.create_connection(("1.1.1.1", 443), timeout=3))
def write_checkout():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "planted.py"), "w") as handle:
        handle.write("x")
    return "written"
probe("checkout written", write_checkout)
def write_usr():
    with open("/usr/lib/driftbot-evil", "w") as handle:
        handle.write("x")
    return "written"
probe("usr written", write_usr)
def write_host_tmp():
    with open(T["hostTmpFile"], "w") as handle:
        handle.write("x")
    return "written"
probe("host tmp written", write_host_tmp)
probe("other analyses listed", lambda: [n for n in os.listdir("/tmp") if n.startswith("driftbot-")] or (_ for _ in ()).throw(LookupError("none")))
def raise_limit():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    resource.setrlimit(resource.RLIMIT_NPROC, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return (soft, hard)
probe("process limit raised", raise_limit)
def big_file():
    with open(os.path.join(os.environ["TMPDIR"], "big"), "wb") as handle:
        handle.seek(2 * 1024 ** 3)
        handle.write(b"x")
    return "2 GiB file"
probe("2 GiB file", big_file)
subprocess.Popen(["setsid", "sleep", T["sleepMarker"]])
out["uid"] = os.getuid()
raise RuntimeError("PROBES " + json.dumps(out))
`;
}

const PROBES = [
  'key file', 'driftbot environ', 'any environ with PRIVATE_KEY', 'own environ has secrets', 'clone cache listed', 'clone cache written',
  'venv written', 'etc shadow', 'etc passwd', 'home of driftbot', 'host postgres socket', 'tcp to postgres', 'tcp anywhere',
  'checkout written', 'usr written', 'host tmp written', 'other analyses listed', 'process limit raised', '2 GiB file',
];

describe('the sandbox against a hostile migration', () => {
  it('reaches no key, no environment, no cache, no venv, no socket but its own, no file outside its work folder, and leaves no process', async () => {
    const status = await detectSandbox();
    expect(status, 'the sandbox must work where these tests run: install bubblewrap (.ci/run does)').toMatchObject({ available: true });
    const secrets = await mkdtemp(join(tmpdir(), 'driftbot-test-secrets-'));
    const keyFile = join(secrets, 'private-key.pem');
    await writeFile(keyFile, '-----BEGIN RSA PRIVATE KEY-----\nsecret\n-----END RSA PRIVATE KEY-----\n');
    const cacheDir = join(secrets, 'cache', 'o', 'r.git');
    await mkdir(join(cacheDir, 'hooks'), { recursive: true });
    const hostTmpFile = join(secrets, 'written-by-migration');
    const sleepMarker = `7${Date.now() % 100000}.25`;
    const python: string = inject('pythonExecutable');
    const server = testServer();
    const port = Number(new URL(server.adminUrl).port || 5432);

    const repo = await newRepo('hostile');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    const targets = {
      keyFile,
      driftbotPid: process.pid,
      cacheDir,
      serverPort: port,
      hostTmpFile,
      sleepMarker,
      interpreter: await interpreterFolders(python),
    };
    await repo.commit('hostile', {
      [versionFile('0002_hostile')]: revision('0002', '0001', 'hostile', hostileMigration(targets).trim(), 'import json\nimport os\nimport socket\nimport subprocess\nimport sys\nfrom alembic import op\n'),
    });

    const saved = { ...process.env };
    Object.assign(process.env, { PRIVATE_KEY: 'super-secret-key', WEBHOOK_SECRET: 'hook-secret', DRIFTBOT_DATABASE_URL: server.adminUrl });
    let report;
    try {
      report = await analyse({
        repo: repo.dir,
        base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
        head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
        server,
        python,
      });
    } finally {
      process.env = saved;
    }
    expect(report.environment.sandboxed).toBe(true);
    // 0001 ran through the relay socket; 0002 says what it reached.
    const message = report.errors.find((e) => e.revision === '0002')?.message ?? '';
    const probes = JSON.parse(/PROBES (\{.*\})/.exec(message)?.[1] ?? 'null') as Record<string, string | number>;
    expect(probes, JSON.stringify(report.errors)).not.toBeNull();
    const { uid, ...rest } = probes;
    expect(uid).toBe(65534);
    const reached = Object.entries(rest).filter(([, outcome]) => !String(outcome).startsWith('blocked'));
    expect(reached).toEqual([]);
    expect(Object.keys(rest).sort()).toEqual(PROBES.sort());

    // And from the host's side: nothing written, nothing left running.
    expect(await readdir(cacheDir)).toEqual(['hooks']);
    expect(existsSync(hostTmpFile)).toBe(false);
    const site = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).toString().trim();
    expect(existsSync(join(site, 'zz_driftbot_evil.pth'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const survivors = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((line) => line.trim() === `sleep ${sleepMarker}`);
    expect(survivors).toEqual([]);
  });
});

describe('where the sandbox cannot run', () => {
  it('says why, naming what to install or allow', async () => {
    const status = await probeSandbox('/nonexistent/bwrap');
    expect(status).toEqual({ available: false, reason: expect.stringContaining('install the Debian/Ubuntu package "bubblewrap"') });
  });

  it('the App runs no repository code (static check only), unless the operator opts out loudly', () => {
    const missing = { available: false as const, reason: 'bubblewrap (bwrap) is not installed' };
    const refused = appSandboxPolicy(missing, {});
    expect(refused).toMatchObject({ maxScope: 'static', warning: expect.stringContaining('only the static check ran') });
    expect(refused.startup).toContain('no pull request\'s code will run');
    const optedOut = appSandboxPolicy(missing, { DRIFTBOT_ALLOW_UNSANDBOXED: '1' });
    expect(optedOut).toMatchObject({ maxScope: 'full', sandbox: false, startup: expect.stringContaining('WITHOUT a sandbox') });
    expect(appSandboxPolicy({ available: true, version: '0.8.0' }, {})).toMatchObject({ maxScope: 'full', sandbox: true, warning: null });
  });
});
