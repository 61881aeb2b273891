"""packaging/python/dropin.py (every public name of the vendor's python/demo programs, imported
from libsts.sts) against this development install; make test-dist-python runs the same script
against the installed manylinux wheel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libsts

DROPIN = Path(__file__).resolve().parents[3] / "packaging" / "python" / "dropin.py"


def test_vendor_demo_names_work_with_only_the_import_changed(emu: str) -> None:
    env = dict(os.environ, STS_EMULATOR_URL=emu, STS_VERSION=libsts.__version__)
    result = subprocess.run([sys.executable, str(DROPIN)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("dropin: ok"), result.stdout


def test_dropin_fails_on_a_version_mismatch(emu: str) -> None:
    env = dict(os.environ, STS_EMULATOR_URL=emu, STS_VERSION="0.0.0-EXAMPLE")
    result = subprocess.run([sys.executable, str(DROPIN)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "libsts.__version__ is " + libsts.__version__ + ", expected 0.0.0-EXAMPLE" in result.stderr
