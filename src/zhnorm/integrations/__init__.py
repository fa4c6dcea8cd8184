"""zhnorm inside other data-processing frameworks.

* :mod:`zhnorm.integrations.datatrove` - a :class:`zhnorm.Pipeline` as a datatrove
  pipeline step (extra ``datatrove``).

Each module imports its framework only when its step is first used, so importing it
never fails; a missing extra is an :class:`ImportError` naming it.
"""
