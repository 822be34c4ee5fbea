"""`./docent` itself: its help before anything is installed, and the Python it chooses.

The script runs in a copy of itself, with a PATH of our making; pip is handed a
pyproject it refuses at once, so each run stops right after creating the venv.
"""

import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYENV = Path.home() / ".pyenv" / "versions"
SUPPORTED = ("3.11", "3.12", "3.13")


def interpreter(version: str) -> Path | None:
    """A real interpreter of `version` on this machine (pyenv's or the system's)."""
    candidates = sorted(PYENV.glob(f"{version}.*/bin/python{version}")) + [
        Path(f"/usr/bin/python{version}")]
    return next((path for path in candidates if path.exists()), None)


AVAILABLE = {version: interpreter(version) for version in SUPPORTED}


@pytest.fixture
def copy(tmp_path):
    """The script alone in a directory, with a pyproject pip refuses to read."""
    home = tmp_path / "docent"
    home.mkdir()
    shutil.copy(ROOT / "docent", home / "docent")
    (home / "pyproject.toml").write_text("not a [pyproject\n")
    return home


def path_with(tmp_path, interpreters: dict[str, Path | str]) -> str:
    """A PATH holding the tools the script uses and these interpreters (name: target)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "sed", "touch"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name, target in interpreters.items():
        if isinstance(target, Path):
            (bin_dir / name).symlink_to(target)
        else:  # a script: a pyenv shim for a version not selected, or a too-old Python
            (bin_dir / name).write_text(target)
            (bin_dir / name).chmod(0o755)
    return str(bin_dir)


def run(copy, path: str, **env) -> subprocess.CompletedProcess:
    environment = {"PATH": path, "HOME": str(copy.parent), "PIP_NO_INDEX": "1", **env}
    return subprocess.run([str(copy / "docent"), "manage", "check"], cwd=copy,
                          env=environment, capture_output=True, text=True, timeout=180)


def venv_version(copy) -> str:
    return subprocess.run([str(copy / ".venv/bin/python"), "-c",
                           "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_help_answers_at_once_and_installs_nothing(copy):
    start = time.monotonic()
    result = subprocess.run([str(copy / "docent"), "--help"], capture_output=True, text=True,
                            timeout=10)
    elapsed = time.monotonic() - start

    assert result.returncode == 0
    assert "./docent test [ARGS]" in result.stdout
    assert "Python 3.11 to 3.13" in result.stdout
    assert elapsed < 1
    assert not (copy / ".venv").exists()


def test_the_newest_python_found_is_chosen(copy, tmp_path):
    found = {f"python{version}": path for version, path in AVAILABLE.items() if path}
    if len(found) < 2:
        pytest.skip("fewer than two of Python 3.11-3.13 on this machine")
    newest = max(found, key=lambda name: tuple(map(int, name[6:].split("."))))
    # A pyenv shim for a version not selected is on PATH but does not run.
    shims = {name: "#!/bin/sh\necho 'pyenv: command not found' >&2; exit 127\n"
             for name in ("python3.13", "python3.12", "python3.11") if name not in found}
    result = run(copy, path_with(tmp_path, {**found, **shims}))

    assert f"with Python {newest[6:]}" in result.stdout, result.stderr
    assert venv_version(copy) == newest[6:]


@pytest.mark.parametrize("version", SUPPORTED)
def test_each_supported_python_makes_the_venv(copy, tmp_path, version):
    if not AVAILABLE[version]:
        pytest.skip(f"no Python {version} on this machine")
    result = run(copy, path_with(tmp_path, {}), PYTHON=str(AVAILABLE[version]))

    assert "Creating the virtual environment" in result.stdout, result.stderr
    assert venv_version(copy) == version


def test_a_pyenv_shim_is_passed_over(copy, tmp_path):
    if not AVAILABLE["3.11"]:
        pytest.skip("no Python 3.11 on this machine")
    shim = "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2; exit 127\n"
    result = run(copy, path_with(tmp_path, {"python3.13": shim,
                                            "python3.11": AVAILABLE["3.11"]}))

    assert venv_version(copy) == "3.11", result.stderr


def test_without_a_suitable_python_it_says_what_to_install(copy, tmp_path):
    old = sorted(PYENV.glob("3.10.*/bin/python3.10"))
    too_old = old[0] if old else "#!/bin/sh\necho 'Python 3.9.2'; exit 1\n"
    result = run(copy, path_with(tmp_path, {"python3": too_old}))

    assert result.returncode == 1  # not 127: the message is not lost in a subshell
    [line] = result.stderr.strip().splitlines()
    for advice in ("sudo apt install python3 python3-venv", "sudo dnf install python3",
                   "brew install python@3.13", "PYTHON="):
        assert advice in line
    assert not (copy / ".venv").exists()


def test_an_unsuitable_python_given_is_refused_by_name(copy, tmp_path):
    result = run(copy, path_with(tmp_path, {}), PYTHON="/nonexistent/python3")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "PYTHON=/nonexistent/python3 is not a Python 3.11, 3.12 or 3.13 with venv.")
