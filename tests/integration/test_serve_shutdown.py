"""`cloudplane serve` under SIGTERM: remote-write drains its buffer to a late receiver before the
process exits, and against a receiver that never answers it gives up after --shutdown-timeout and
says how many samples it dropped. Nothing pending is lost silently."""
import re, threading
from harness import Services, http_get, wait_until

STOP_WAIT = 120  # generous bound so a broken shutdown fails the test instead of hanging it


def pending_samples(port):
    """Samples serve's remote-write buffer holds, from its own /metrics."""
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    for line in body.decode().splitlines():
        if line.startswith("cloudplane_remote_write_samples_pending "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def pending_line(output):
    return [l for l in output.splitlines() if l.startswith("remote-write: shutting down;")]


def test_sigterm_delivers_pending_samples_to_a_slow_receiver():
    s = Services()
    held = threading.Event()
    s.hangs.append(held)
    try:
        # the receiver holds its answers: with one shard, snapshots queue up behind the first request
        port, seen = s.receiver(204, hang=held)
        serve, serve_port = s.serve("--remote-write", f"http://127.0.0.1:{port}/api/v1/write",
                                    "--remote-write-interval", "0.2", "--remote-write-shards", "1",
                                    "--shutdown-timeout", "60", speed=10)
        wait_until(lambda: seen and pending_samples(serve_port) > 0, 60, "a backlog behind the held request")
        before = len(seen)
        # SIGTERM first, then the receiver answers again: the shutdown must send the backlog
        assert serve.terminate(STOP_WAIT, then=held.set) == 0, serve.output()
        out = serve.output()
        lines = pending_line(out)
        assert len(lines) == 1, out
        m = re.search(r"sent the (\d+) pending sample\(s\)", lines[0])
        assert m, lines[0]
        assert int(m.group(1)) > 0, lines[0]
        assert len(seen) > before, "the backlog was sent after SIGTERM"
        assert "cloudplane serve: stopped" in out
    finally:
        s.close()


def test_sigterm_with_a_hung_receiver_logs_what_it_dropped():
    s = Services()
    hang = threading.Event()
    s.hangs.append(hang)
    try:
        port, seen = s.receiver(204, hang=hang)
        serve, _ = s.serve("--remote-write", f"http://127.0.0.1:{port}/api/v1/write", "--remote-write-interval", "0.2",
                           "--shutdown-timeout", "2", speed=10)
        wait_until(lambda: len(seen) >= 1, 60, "a request at the hung receiver")
        assert serve.terminate(STOP_WAIT) == 0, serve.output()
        lines = pending_line(serve.output())
        assert len(lines) == 1, serve.output()
        m = re.search(r"dropped (\d+) of (\d+) pending sample\(s\)", lines[0])
        assert m, lines[0]
        dropped, pending = int(m.group(1)), int(m.group(2))
        assert 0 < dropped <= pending, lines[0]
    finally:
        s.close()
