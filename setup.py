"""Build the optional C fast path; the package works without it (pure-Python engine)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "zhnorm.script._fmm",
            ["src/zhnorm/script/_fmm.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
