"""Build the optional compiled kernels (see zhnorm/kernels/__init__.py); the package works
without a compiler, on their pure-Python twins, and says so: here at build time (shown by
``pip install -v`` and by ``python -m build``) and once per process at first use."""

import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Conversion; the key fold, shingles and MinHash; the repair pre-filter's scan.
KERNELS = ("_matcher", "_fingerprint", "_scan")


class BuildKernels(build_ext):
    """``build_ext`` that names the cost when an optional kernel cannot be compiled."""

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # the optional build failed: say what it means, go on
            print(
                f"WARNING: zhnorm: could not compile {ext.name} ({error}); zhnorm will use its "
                "pure-Python twin: same results, conversion hundreds of times slower. "
                "Install a C compiler (gcc, clang or MSVC) and reinstall for full speed.",
                file=sys.stderr,
            )
            raise


setup(
    cmdclass={"build_ext": BuildKernels},
    ext_modules=[
        Extension(
            f"zhnorm.kernels.{name}",
            [f"src/zhnorm/kernels/{name}.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
        for name in KERNELS
    ],
)
