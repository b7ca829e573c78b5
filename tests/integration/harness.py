"""Starts real services on loopback for the observability tests and stops them afterwards:
`cloudplane serve`, Debian's `prometheus` and `prometheus-alertmanager`, tiny HTTP receivers."""
import http.server, json, os, re, shutil, signal, socket, subprocess, tempfile, threading, time
import urllib.parse, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CLOUDPLANE_BIN", os.path.join(ROOT, ".build", "release", "cloudplane"))
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = check()
            if v:
                return v
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


def http_get(url, headers=None, timeout=10):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


# The bootstrap admin token every harness-started `serve` gets.
TOKEN = "harness-token-0123456789abcdef"


class Process:
    """A child process with its output in a file; stopped (TERM, then KILL) on close."""

    def __init__(self, args, name, workdir):
        self.log_path = os.path.join(workdir, name + ".log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        self.name = name

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, timeout, then=None):
        """Sends SIGTERM, calls `then` (if given), and waits for the process to exit by itself;
        returns its exit code."""
        self.proc.send_signal(signal.SIGTERM)
        if then is not None:
            then()
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Services:
    """Owns every process and directory a test starts."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cloudplane-obs-")
        self.procs = []
        self.servers = []
        self.hangs = []

    def close(self):
        for p in reversed(self.procs):
            p.stop()
        for stop in reversed(getattr(self, "pg_stops", [])):
            stop()
        for e in self.hangs:
            e.set()
        for s in self.servers:
            s.shutdown()
            s.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def postgres(self):
        """Starts a PostgreSQL server of its own (initdb in this harness's directory, a unix socket
        only, as the `postgres` user when root) and returns a store URL of a fresh database."""
        import glob, pwd
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert bins, "no PostgreSQL server binaries (install postgresql-15)"
        bin_dir = os.path.dirname(bins[-1])
        base = os.path.join(self.dir, "pg")
        sock = os.path.join(base, "sock")
        os.makedirs(sock)
        prefix = []
        if os.getuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chmod(self.dir, 0o755)
            for d in (base, sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            prefix = ["runuser", "-u", "postgres", "--"]
        port = free_port()

        def pg(*args):
            subprocess.run(prefix + [os.path.join(bin_dir, args[0]), *args[1:]], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        pg("initdb", "-D", f"{base}/data", "-A", "trust", "-U", "cloudplane", "--no-sync", "-E", "UTF8")
        pg("pg_ctl", "-D", f"{base}/data", "-l", f"{base}/server.log", "-w", "-o",
           f"-c listen_addresses='' -k {sock} -p {port} -c max_connections=200", "start")
        if not hasattr(self, "pg_stops"):
            self.pg_stops = []
        self.pg_stops.append(lambda: pg("pg_ctl", "-D", f"{base}/data", "-m", "fast", "-w", "stop"))
        pg("createdb", "-h", sock, "-p", str(port), "-U", "cloudplane", "cloudplane")
        return f"postgres://cloudplane@localhost/cloudplane?host={sock}&port={port}"

    def start(self, args, name):
        p = Process(args, name, self.dir)
        self.procs.append(p)
        return p

    def serve(self, *extra, speed=30, data_dir=None):
        """Starts `serve` on a free port with its own data directory (or `data_dir`, to restart
        on the same store) and the harness's bootstrap token; returns the process and port."""
        port = free_port()
        data_dir = data_dir or os.path.join(self.dir, f"data-{port}")
        p = self.start([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--speed", str(speed), "--data-dir", data_dir,
                        "--bootstrap-token", TOKEN, *extra], "serve")
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "cloudplane serve")
        return p, port

    def prometheus(self, config, name="prometheus", port=None, data=None, rules=None):
        port = port or free_port()
        data = data or os.path.join(self.dir, name + "-data")
        cfg = os.path.join(self.dir, name + ".yml")
        with open(cfg, "w") as f:
            f.write(config)
        if rules:
            shutil.copy(rules, os.path.join(self.dir, "rules.yml"))
        p = self.start([PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                        f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver",
                        "--log.level=warn"], name)
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200, 60, "prometheus ready")
        return p, port

    def alertmanager(self, webhook_port):
        port = free_port()
        cfg = os.path.join(self.dir, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write(f"""route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{webhook_port}/hook
        send_resolved: false
""")
        p = self.start([ALERTMANAGER, f"--config.file={cfg}", f"--storage.path={self.dir}/am-data",
                        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                        "--log.level=warn"], "alertmanager")
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/-/ready")[0] == 200, 60, "alertmanager ready")
        return p, port

    def receiver(self, status=204, hang=None):
        """A tiny HTTP server that records every POST (path, headers, body) and answers `status`;
        with `hang` (a threading.Event) it holds every answer until the test sets it."""
        seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                seen.append((self.path, dict(self.headers), body))
                if hang is not None:
                    hang.wait()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return server.server_address[1], seen


def query(port, expr, at=None):
    params = {"query": expr}
    if at is not None:
        params["time"] = str(at)
    _, _, body = http_get(f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(params))
    data = json.loads(body)
    assert data["status"] == "success", data
    return data["data"]["result"]


def substitute(expr, job):
    """Grafana variables → values a plain Prometheus query accepts."""
    e = expr.replace("$__rate_interval", "1m").replace("$__range", "1m").replace("$__interval", "15s")
    e = e.replace('job=~"$job"', f'job=~"{job}"')
    return re.sub(r'=~"\$(cluster|host|tenant)"', '=~".*"', e)


def dashboards():
    out = []
    d = os.path.join(ROOT, "Dashboards")
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                out.append((name, json.load(f)))
    return out


def panels(board):
    for p in board["panels"]:
        yield p
        for c in p.get("panels", []):
            yield c
