/**
 * One migration that tries every probe an attacker would, and reports what it reached
 * (test/reliability/sandbox.test.ts and the App's attack test share it).
 */
/** The probes, as a migration: each returns "blocked: …" or what it reached. */
export function hostileMigration(targets: Record<string, unknown>): string {
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
def other_analyses():
    # Analyses' folders sit side by side (the runner works in <its folder>/scratch): any but its own?
    own = os.path.dirname(os.getcwd())
    found = []
    for place in {os.path.dirname(own), "/tmp"}:
        if os.path.isdir(place):
            found += [n for n in os.listdir(place) if n.startswith("driftbot-") and os.path.join(place, n) != own]
    if not found:
        raise LookupError("none but its own")
    return found
probe("other analyses listed", other_analyses)
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

export const PROBES = [
  'key file',
  'driftbot environ',
  'any environ with PRIVATE_KEY',
  'own environ has secrets',
  'clone cache listed',
  'clone cache written',
  'venv written',
  'etc shadow',
  'etc passwd',
  'home of driftbot',
  'host postgres socket',
  'tcp to postgres',
  'tcp anywhere',
  'checkout written',
  'usr written',
  'host tmp written',
  'other analyses listed',
  'process limit raised',
  '2 GiB file',
];
