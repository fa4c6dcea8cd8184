"""Build the optional compiled kernels (see zhnorm/kernels/__init__.py); the package works
without a compiler, on their pure-Python twins."""

from setuptools import Extension, setup

KERNELS = ("_matcher", "_fingerprint")  # conversion matcher; key fold, shingles, MinHash

setup(
    ext_modules=[
        Extension(
            f"zhnorm.kernels.{name}",
            [f"src/zhnorm/kernels/{name}.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
        for name in KERNELS
    ]
)
