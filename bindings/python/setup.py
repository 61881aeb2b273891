"""Builds the libsts cdylib with setuptools-rust and ships it inside the package as libsts/libsts.so.

The Rust crate is ``rust/`` in an sdist (packaging/python/dist.sh puts it there) and two
directories up in the libsts source tree (this file lives in bindings/python/). Set
LIBSTS_CARGO_FLAGS to pass extra flags to cargo (e.g. "--offline").

The package has no Python extension of its own (ctypes loads the library, ``Binding.NoBinding``),
so the library keeps its plain name and the wheel is tagged py3-none-<platform>: one wheel for
every Python 3.8+ on that platform.
"""

import os
import shlex
import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

HERE = os.path.dirname(os.path.abspath(__file__))


def crate_manifest() -> str:
    for crate in (os.path.join(HERE, "rust"), os.path.normpath(os.path.join(HERE, "..", ".."))):
        manifest = os.path.join(crate, "Cargo.toml")
        if os.path.isfile(manifest):
            return os.path.relpath(manifest, HERE)
    sys.exit(f"libsts: no Rust crate in {HERE}/rust or two directories up (install from an sdist or the source tree)")


class BuildRustPlainName(build_rust):
    """ctypes loads ``libsts/libsts.so`` by that name; setuptools-rust would add the Python ABI
    suffix of an extension module (``.cpython-311-x86_64-linux-gnu.so``), which this library has no
    use for."""

    def get_dylib_ext_path(self, ext, target_fname):
        default = super().get_dylib_ext_path(ext, target_fname)
        return os.path.join(os.path.dirname(default), "libsts.so")


class PlatformWheel(bdist_wheel):
    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(
    rust_extensions=[
        RustExtension(
            "libsts.libsts",
            path=crate_manifest(),
            binding=Binding.NoBinding,
            # The lock file pins what the library is built from, as for every other package.
            cargo_manifest_args=["--locked"],
            args=shlex.split(os.environ.get("LIBSTS_CARGO_FLAGS", "")),
        )
    ],
    cmdclass={"build_rust": BuildRustPlainName, "bdist_wheel": PlatformWheel},
    zip_safe=False,
)
