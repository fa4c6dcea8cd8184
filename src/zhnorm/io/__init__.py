"""Input and output: the record contract every command and the Spark engine follow.

* :mod:`.encodings` - the encodings an input may be in (:data:`ENCODINGS`) and
  ``auto`` (:func:`detect_encoding`);
* :mod:`.inputs` - what an input is: the kinds of file read, the codecs, directories,
  the raw lines of JSONL, plain-text documents (:func:`input_files`,
  :func:`jsonl_stream`, :func:`text_inputs`);
* :mod:`.files` - opening inputs, strict streaming decoding, atomic outputs
  (:class:`AtomicOutput`);
* :mod:`.records` - :class:`Record`, the readers (:func:`iter_records`), the record and
  id rules (:func:`check_record`, :func:`record_id`), :class:`RecordWriter`;
* :mod:`.rejects` - :class:`BadRecord`, the wording of every reject reason, the default
  rejects path (:func:`rejects_path`) and :class:`Rejects`, fatal or written;
* :mod:`.counts` - :class:`RunCounts` / :class:`DedupCounts` and the summary line
  (``in = out + removed + rejected``);
* :mod:`.outputs` - where a run may write (:func:`check_outputs`, checked before any
  work), leftovers of killed runs, SIGTERM unwinding (:func:`signals_unwind`);
* :mod:`.progress` - :class:`Progress` on a terminal.
"""

from __future__ import annotations

from .counts import DedupCounts, RunCounts
from .encodings import AUTO, DEFAULT_ENCODING, ENCODING_NAMES, ENCODINGS, detect_encoding
from .files import (
    AtomicOutput,
    InputError,
    OutputError,
    OutputGroup,
    dumps_record,
    open_input,
    read_text,
    read_text_chunks,
    write_failure,
)
from .inputs import (
    InputFile,
    input_files,
    input_kind,
    jsonl_lines,
    jsonl_stream,
    text_files,
    text_inputs,
)
from .outputs import (
    Terminated,
    check_output_dir,
    check_outputs,
    check_work_dir,
    inside_input,
    output_stems,
    remove_leftovers,
    signals_unwind,
)
from .progress import Progress
from .records import (
    WRITE_FORMATS,
    Record,
    RecordWriter,
    TextWriter,
    check_record,
    file_records,
    iter_records,
    map_jsonl,
    parse_jsonl_line,
    read_jsonl,
    record_batches,
    record_id,
    text_documents,
    unique_records,
    with_text,
    write_format,
)
from .rejects import BadRecord, Rejects, rejects_for, rejects_path

__all__ = [
    "AUTO",
    "DEFAULT_ENCODING",
    "ENCODINGS",
    "ENCODING_NAMES",
    "WRITE_FORMATS",
    "AtomicOutput",
    "BadRecord",
    "DedupCounts",
    "InputError",
    "InputFile",
    "OutputError",
    "OutputGroup",
    "Progress",
    "Record",
    "RecordWriter",
    "Rejects",
    "RunCounts",
    "Terminated",
    "TextWriter",
    "check_output_dir",
    "check_outputs",
    "check_record",
    "check_work_dir",
    "detect_encoding",
    "dumps_record",
    "file_records",
    "input_files",
    "input_kind",
    "inside_input",
    "iter_records",
    "jsonl_lines",
    "jsonl_stream",
    "map_jsonl",
    "open_input",
    "output_stems",
    "parse_jsonl_line",
    "read_jsonl",
    "read_text",
    "read_text_chunks",
    "record_batches",
    "record_id",
    "rejects_for",
    "rejects_path",
    "remove_leftovers",
    "signals_unwind",
    "text_documents",
    "text_files",
    "text_inputs",
    "unique_records",
    "with_text",
    "write_failure",
    "write_format",
]
