#!/usr/bin/env python3
"""Ideaflow's development entry point; needs nothing but Python 3.11+.

    python3 dev.py run      run the whole system locally (gateway on http://127.0.0.1:8000)
    python3 dev.py test     run the test suite (arguments go to pytest)
    python3 dev.py check    lint, format check, type checks (code and tests) and migration drift checks

The first call creates `.venv/` and installs every package (editable) with the pinned versions
of constraints.txt; later calls reinstall only when a requirements or pyproject file changed.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".ideaflow-install-stamp"
PACKAGES = ["shared", "services/ideas", "services/experiments", "services/feedback", "gateway"]
PROCESSES = ["ideaflow-ideas", "ideaflow-experiments", "ideaflow-feedback", "ideaflow-gateway"]


def _install_inputs_digest() -> str:
    digest = hashlib.sha256()
    for path in [ROOT / "requirements-dev.txt", ROOT / "constraints.txt"] + [
        ROOT / package / "pyproject.toml" for package in PACKAGES
    ]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _create_venv() -> None:
    print(f"Creating the virtual environment in {VENV} ...", flush=True)
    try:
        venv.create(VENV, with_pip=True, clear=True)
    except subprocess.CalledProcessError:
        # Some Linux distributions ship Python without ensurepip; borrow the system pip instead.
        venv.create(VENV, with_pip=False, clear=True)
        subprocess.run([sys.executable, "-m", "pip", "--python", str(VENV_PYTHON), "install", "pip"], check=True)


def ensure_environment() -> None:
    """Create or refresh .venv so that it matches the requirement files."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file must run, and explain, on old Pythons
        raise SystemExit("Ideaflow needs Python 3.11 or newer.")
    if not VENV_PYTHON.exists():
        _create_venv()
    wanted = _install_inputs_digest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing Ideaflow and its pinned dependencies into .venv ...", flush=True)
    pip = [str(VENV_PYTHON), "-m", "pip", "--disable-pip-version-check", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements-dev.txt")], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def _in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def run() -> None:
    sys.path.insert(0, str(ROOT))
    from deploy.local_stack import run_until_interrupted

    run_until_interrupted(data_dir=ROOT / "data")


def test(arguments: list[str]) -> None:
    os.chdir(ROOT)
    raise SystemExit(subprocess.call([sys.executable, "-m", "pytest", *arguments]))


def check() -> None:
    os.chdir(ROOT)
    bin_dir = Path(sys.executable).parent
    steps = [
        [str(bin_dir / "ruff"), "check", "."],
        [str(bin_dir / "ruff"), "format", "--check", "."],
        [str(bin_dir / "mypy"), "shared/src", *(f"{package}/src" for package in PACKAGES[1:]), "deploy", "dev.py"],
        [str(bin_dir / "mypy"), *(f"{package}/tests" for package in PACKAGES), "tests"],
        *([str(bin_dir / process), "check-migrations"] for process in PROCESSES),
    ]
    for step in steps:
        print("$", " ".join(Path(step[0]).name if index == 0 else part for index, part in enumerate(step)), flush=True)
        if subprocess.call(step) != 0:
            raise SystemExit(1)


def main() -> None:
    command, arguments = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("help", [])
    if command not in {"run", "test", "check"}:
        print(__doc__)
        raise SystemExit(0 if command in {"help", "-h", "--help"} else 2)
    ensure_environment()
    if not _in_project_venv():
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(ROOT / "dev.py"), command, *arguments])
    if command == "run":
        run()
    elif command == "test":
        test(arguments)
    else:
        check()


if __name__ == "__main__":
    main()
