"""The whole system as local processes: what `python3 dev.py run`, the end-to-end tests and the
benchmarks start. Each process is its own production CLI (`ideaflow-<name> serve`)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("ideas", "experiments", "feedback")
PROCESSES = (*SERVICES, "gateway")
DEFAULT_PORTS = {"gateway": 8000, "ideas": 8001, "experiments": 8002, "feedback": 8003}
BIN = Path(sys.executable).parent


@dataclass
class LocalStack:
    """Four processes on 127.0.0.1, each with its own database (SQLite files by default)."""

    data_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    database_urls: dict[str, str] = field(default_factory=dict)
    environment: str = "development"
    log_level: str = "info"
    extra_env: dict[str, str] = field(default_factory=dict)
    _running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict, init=False)

    def url(self, process: str) -> str:
        return f"http://127.0.0.1:{self.ports[process]}"

    def env(self, process: str) -> dict[str, str]:
        """The environment one process is configured with."""
        prefix = f"IDEAFLOW_{process.upper()}_"
        database_url = self.database_urls.get(process) or f"sqlite+aiosqlite:///{self.data_dir / process}.db"
        settings = {
            "ENVIRONMENT": self.environment,
            "DATABASE_URL": database_url,
            "PORT": str(self.ports[process]),
            "LOG_LEVEL": self.log_level,
        }
        if process in ("experiments", "feedback", "gateway"):
            settings["IDEAS_URL"] = self.url("ideas")
        if process == "gateway":
            settings["EXPERIMENTS_URL"] = self.url("experiments")
            settings["FEEDBACK_URL"] = self.url("feedback")
        if process == "feedback":
            settings["IMPORT_DIR"] = str(self.data_dir / "imports")
            # Webhook senders call the gateway; HubSpot signs the URL it called.
            settings["PUBLIC_BASE_URL"] = self.url("gateway")
        return {**os.environ, **{prefix + key: value for key, value in settings.items()}, **self.extra_env}

    def start(self, processes: tuple[str, ...] = PROCESSES, *, timeout: float = 60) -> None:
        """Start the processes (services first) and wait until each answers /readyz."""
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for process in processes:
            log = (logs / f"{process}.log").open("ab")
            self._running[process] = subprocess.Popen(
                [str(BIN / f"ideaflow-{process}"), "serve"],
                env=self.env(process),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us once; we stop the children in order
            )
        for process in processes:
            self._wait_ready(process, timeout)

    def _wait_ready(self, process: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._running[process].poll() is not None:
                self.stop()
                raise RuntimeError(f"{process} exited at start-up; see {self.data_dir / 'logs' / process}.log")
            try:
                with urllib.request.urlopen(self.url(process) + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{process} was not ready within {timeout} s; see {self.data_dir / 'logs' / process}.log")

    def stop(self, processes: tuple[str, ...] | None = None) -> None:
        """Stop the given processes (all by default): SIGTERM, then SIGKILL after 10 s."""
        chosen = [name for name in (processes or tuple(self._running)) if name in self._running]
        for name in chosen:
            if self._running[name].poll() is None:
                self._running[name].send_signal(signal.SIGTERM)
        for name in chosen:
            try:
                self._running[name].wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._running[name].kill()
                self._running[name].wait()
            del self._running[name]

    def process(self, name: str) -> subprocess.Popen[bytes]:
        """The running process (for a service with several workers, their supervisor)."""
        return self._running[name]

    def all_alive(self) -> bool:
        return all(process.poll() is None for process in self._running.values())

    def create_api_key(self, *, organization_id: uuid.UUID, roles: str = "admin", name: str = "dev") -> str:
        """A new API key for the organisation, made with the gateway's command line."""
        result = subprocess.run(
            [
                str(BIN / "ideaflow-gateway"),
                "create-api-key",
                "--organization-id",
                str(organization_id),
                "--name",
                name,
                "--roles",
                roles,
            ],
            env=self.env("gateway"),
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]

    @contextmanager
    def running(self) -> Iterator["LocalStack"]:
        self.start()
        try:
            yield self
        finally:
            self.stop()


def _key_works(gateway_url: str, key: str) -> bool:
    request = urllib.request.Request(gateway_url + "/v1/api-keys", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=5):
            return True
    except urllib.error.HTTPError as error:
        return error.code != 401


def _development_credentials(stack: LocalStack) -> dict[str, str]:
    """The development organisation and its admin key, made on first start and kept in data/."""
    path = stack.data_dir / "dev-credentials.json"
    if path.exists():
        credentials: dict[str, str] = json.loads(path.read_text())
        if _key_works(stack.url("gateway"), credentials["api_key"]):
            return credentials
    organization_id = uuid.uuid4()
    credentials = {
        "organization_id": str(organization_id),
        "api_key": stack.create_api_key(organization_id=organization_id, roles="admin", name="development admin"),
    }
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


def run_until_interrupted(*, data_dir: Path) -> None:
    """`python3 dev.py run`: start everything, print how to use it, stop everything on Ctrl-C."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = LocalStack(data_dir=data_dir)
    print("Starting the ideas, experiments and feedback services and the gateway ...", flush=True)
    stack.start()
    try:
        credentials = _development_credentials(stack)
        gateway, key = stack.url("gateway"), credentials["api_key"]
        print(
            f"""
Ideaflow is running (data and logs in {data_dir}).

  Gateway:      {gateway}
  API docs:     {gateway}/docs   (ReDoc: {gateway}/redoc)
  Organisation: {credentials["organization_id"]}
  Admin key:    {key}

Try it:

  curl -s -X POST {gateway}/v1/ideas \\
    -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \\
    -d '{{"title": "Pre-fill repeat orders", "problem": "Customers re-type the same order every week.",
         "proposal": "A one-click repeat-last-order button."}}'

  curl -s {gateway}/v1/ideas -H "Authorization: Bearer {key}"

Press Ctrl-C to stop.""",
            flush=True,
        )
        while stack.all_alive():
            time.sleep(0.5)
        print("A process stopped unexpectedly; see the logs in", data_dir / "logs", file=sys.stderr)
        raise SystemExit(1)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    finally:
        # A second Ctrl-C must not cut the stop short: it is bounded (SIGKILL after 10 s) anyway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()
