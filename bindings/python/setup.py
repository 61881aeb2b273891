"""Builds the libsts cdylib with cargo and ships it inside the package as libsts/libsts.so.

The Rust crate is two directories up (this file lives in bindings/python/). Set
LIBSTS_CARGO_FLAGS to pass extra flags to `cargo build` (e.g. "--offline").
The package has no Python extension of its own (ctypes loads the library), so the wheel is
tagged py3-none-<platform>.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.normpath(os.path.join(HERE, "..", ".."))


def build_cdylib() -> str:
    manifest = os.path.join(CRATE, "Cargo.toml")
    if not os.path.isfile(manifest):
        sys.exit(f"libsts: the Rust crate is not at {CRATE} (install from the libsts source tree)")
    cargo = shutil.which("cargo")
    if cargo is None:
        sys.exit("libsts: `cargo` not found on PATH; install Rust (https://rustup.rs) to build the library")
    command = [cargo, "build", "--release", "--lib", "--locked", "--manifest-path", manifest,
               "--message-format=json-render-diagnostics"]
    command += shlex.split(os.environ.get("LIBSTS_CARGO_FLAGS", ""))
    print("libsts: " + " ".join(command), file=sys.stderr)
    result = subprocess.run(command, cwd=CRATE, stdout=subprocess.PIPE, check=False)
    if result.returncode != 0:
        sys.exit(f"libsts: cargo build failed with exit code {result.returncode}")
    found = None
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("reason") == "compiler-artifact" and "cdylib" in message.get("target", {}).get("kind", []):
            for name in message.get("filenames", []):
                if name.endswith(".so"):
                    found = name
    if found is None:
        sys.exit("libsts: cargo did not report a cdylib (.so) artefact")
    return found


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        library = build_cdylib()
        target = os.path.join(self.build_lib, "libsts", "libsts.so")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(library, target)
        os.chmod(target, 0o755)
        print(f"libsts: bundled {library} as {target}", file=sys.stderr)


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel})
