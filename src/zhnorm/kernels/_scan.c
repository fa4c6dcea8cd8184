/*
 * zhnorm.kernels._scan -- the mojibake pre-filter's scans (zhnorm/repair/mojibake/
 * prefilter.py): the trigger's hits, the GBK<->Big5 rare-character spans and the
 * "evidence here?" test the repair pipeline asks of every text.  Their pure-Python twins,
 * which give the same results, are the trigger regex and rare_spans in prefilter.py.
 *
 * The kernel holds no character fact of its own: Python hands it, once per process,
 * a class mask per BMP code point (bit k: the code point is in character class k) and
 * the trigger's shapes as masks.  A shape matches at position i when text[i] has a bit
 * of ``first`` and of the shape's ``behind`` and text[i + 1 + j] a bit of then[j] for
 * every j; the shapes are tried in order at each position, left to right, and the scan
 * goes on after the end of a match: the semantics of the trigger regex (one character
 * class, then an alternation of fixed-width branches, each opening with a one-character
 * look-behind at that class's character).  Code points outside the BMP are in no class.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_SHAPES 48
#define MAX_THEN 8

typedef struct {
    uint64_t behind;
    int len;
    uint64_t then[MAX_THEN];
} Shape;

typedef struct {
    PyObject_HEAD
    uint64_t first; /* the trigger's first character */
    uint64_t rare;  /* a rare character of the GBK<->Big5 pre-filter */
    uint64_t shown; /* a character a Big5 reader shows for GBK of a common one */
    int n_shapes;
    Shape shapes[MAX_SHAPES];
    uint64_t masks[256]; /* distinct class masks; masks[0] == 0 */
    uint8_t hot[256];    /* the mask has a bit of first or rare */
    uint8_t ids[0x10000];  /* code point -> index into masks */
} Scanner;

static inline uint64_t class_at(const Scanner *s, int kind, const void *data, Py_ssize_t i) {
    Py_UCS4 cp = PyUnicode_READ(kind, data, i);
    return cp > 0xFFFF ? 0 : s->masks[s->ids[cp]];
}

/* The end of the trigger's match at ``i`` within ``hi``, or -1. */
static inline Py_ssize_t trigger_at(const Scanner *s, int kind, const void *data, Py_ssize_t i,
                                    Py_ssize_t hi) {
    uint64_t m = class_at(s, kind, data, i);
    if (!(m & s->first)) return -1;
    for (int k = 0; k < s->n_shapes; k++) {
        const Shape *shape = &s->shapes[k];
        if (!(m & shape->behind) || i + 1 + shape->len > hi) continue;
        int j = 0;
        while (j < shape->len && (class_at(s, kind, data, i + 1 + j) & shape->then[j])) j++;
        if (j == shape->len) return i + 1 + shape->len;
    }
    return -1;
}

/* The end of the rare-character span starting at the rare character ``at`` (the first
 * of RR, R.RR, R.R.R, R..RR that fits within ``hi``, '.' any character but a line
 * break; then R.R, R..R whose every character is ``shown``), or -1. */
static inline Py_ssize_t rare_span_at(const Scanner *s, int kind, const void *data,
                                      Py_ssize_t at, Py_ssize_t hi) {
#define RARE(p) ((p) < hi && (class_at(s, kind, data, (p)) & s->rare))
#define BREAK(p) (PyUnicode_READ(kind, data, (p)) == '\n')
    if (RARE(at + 1)) return at + 2;
    if (at + 1 < hi && BREAK(at + 1)) return -1;
    if (RARE(at + 2) && RARE(at + 3)) return at + 4;
    if (RARE(at + 4) && ((RARE(at + 2) && !BREAK(at + 3)) || (RARE(at + 3) && !BREAK(at + 2))))
        return at + 5;
#define SHOWN(p) (class_at(s, kind, data, (p)) & s->shown)
    if (RARE(at + 2) && SHOWN(at) && SHOWN(at + 1) && SHOWN(at + 2)) return at + 3;
    if (RARE(at + 3) && SHOWN(at) && SHOWN(at + 1) && SHOWN(at + 2) && SHOWN(at + 3))
        return at + 4;
#undef SHOWN
    return -1;
#undef RARE
#undef BREAK
}

static int parse_text(PyObject *args, PyObject **text, Py_ssize_t *lo, Py_ssize_t *hi) {
    *lo = 0;
    *hi = PY_SSIZE_T_MAX;
    if (!PyArg_ParseTuple(args, "U|nn", text, lo, hi)) return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(*text);
    if (*hi > n) *hi = n;
    if (*lo < 0 || *hi < *lo) {
        PyErr_SetString(PyExc_ValueError, "scan: expected 0 <= lo <= hi");
        return -1;
    }
    return 0;
}

static PyObject *append_span(PyObject *list, Py_ssize_t a, Py_ssize_t b) {
    PyObject *span = Py_BuildValue("(nn)", a, b);
    if (!span || PyList_Append(list, span) < 0) {
        Py_XDECREF(span);
        Py_DECREF(list);
        return NULL;
    }
    Py_DECREF(span);
    return list;
}

/* trigger_spans(text, lo=0, hi=len) -> the (start, end) of every trigger match, as
 * re.finditer(text, lo, hi) finds them. */
static PyObject *scanner_trigger_spans(Scanner *s, PyObject *args) {
    PyObject *text;
    Py_ssize_t lo, hi;
    if (parse_text(args, &text, &lo, &hi) < 0) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = lo; out && i < hi;) {
        Py_ssize_t end = trigger_at(s, kind, data, i, hi);
        if (end < 0) {
            i++;
            continue;
        }
        out = append_span(out, i, end);
        i = end;
    }
    return out;
}

/* rare_spans(text, lo=0, hi=len) -> the GBK<->Big5 pre-filter's spans in text[lo:hi]
 * (positions in text), as prefilter.rare_spans(text[lo:hi]) finds them (shifted by lo). */
static PyObject *scanner_rare_spans(Scanner *s, PyObject *args) {
    PyObject *text;
    Py_ssize_t lo, hi;
    if (parse_text(args, &text, &lo, &hi) < 0) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *out = PyList_New(0);
    for (Py_ssize_t at = lo; out && at < hi; at++) {
        if (!(class_at(s, kind, data, at) & s->rare)) continue;
        Py_ssize_t end = rare_span_at(s, kind, data, at, hi);
        if (end < 0) continue;
        out = append_span(out, at, end);
        at = end - 1;
    }
    return out;
}

/* evidence(text, lo, hi) -> whether text[lo:hi] holds a trigger match or a rare span:
 * trigger.search(text, lo, hi) is not None or bool(rare_spans(text[lo:hi])).  A rare
 * span starts at a rare character; one that a span before it covers is never a start,
 * but that span is already an answer.  One loop per string kind: most characters are in
 * neither class, and the loop only looks them up. */
static int evidence_at(const Scanner *s, int kind, const void *data, Py_ssize_t i,
                       Py_ssize_t hi, uint64_t m) {
    return ((m & s->first) && trigger_at(s, kind, data, i, hi) >= 0) ||
           ((m & s->rare) && rare_span_at(s, kind, data, i, hi) >= 0);
}

#define EVIDENCE_LOOP(T)                                                        \
    do {                                                                        \
        const T *chars = (const T *)data;                                       \
        for (Py_ssize_t i = lo; i < hi; i++) {                                  \
            Py_UCS4 cp = chars[i];                                              \
            if (cp > 0xFFFF) continue;                                          \
            uint8_t id = s->ids[cp];                                            \
            if (s->hot[id] && evidence_at(s, kind, data, i, hi, s->masks[id]))  \
                Py_RETURN_TRUE;                                                 \
        }                                                                       \
    } while (0)

static PyObject *scanner_evidence(Scanner *s, PyObject *args) {
    PyObject *text;
    Py_ssize_t lo, hi;
    if (parse_text(args, &text, &lo, &hi) < 0) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_1BYTE_KIND) EVIDENCE_LOOP(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND) EVIDENCE_LOOP(Py_UCS2);
    else EVIDENCE_LOOP(Py_UCS4);
    Py_RETURN_FALSE;
}

static int read_mask(PyObject *obj, uint64_t *out, const char *what) {
    unsigned long long v = PyLong_AsUnsignedLongLong(obj);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Format(PyExc_ValueError, "Scanner: %s must be a 64-bit mask", what);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* Scanner(table, first, rare, shown, shapes): table a buffer of 65536 uint64 class
 * masks (one per BMP code point), first, rare and shown masks, shapes a sequence of (behind, then) with
 * then a tuple of masks (at most MAX_THEN). */
static int scanner_init(Scanner *s, PyObject *args, PyObject *kwargs) {
    if (kwargs && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "Scanner() takes no keyword arguments");
        return -1;
    }
    PyObject *table, *first, *rare, *shown, *shapes;
    if (!PyArg_ParseTuple(args, "OOOOO", &table, &first, &rare, &shown, &shapes)) return -1;
    if (read_mask(first, &s->first, "first") < 0 || read_mask(rare, &s->rare, "rare") < 0 ||
        read_mask(shown, &s->shown, "shown") < 0)
        return -1;
    Py_buffer view;
    if (PyObject_GetBuffer(table, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view.itemsize != 8 || view.len != 0x10000 * 8) {
        PyErr_SetString(PyExc_ValueError, "Scanner: table must hold 65536 8-byte masks");
        PyBuffer_Release(&view);
        return -1;
    }
    const uint64_t *masks = view.buf;
    int n_masks = 1;
    s->masks[0] = 0;
    for (Py_ssize_t cp = 0; cp < 0x10000; cp++) {
        int id = 0;
        while (id < n_masks && s->masks[id] != masks[cp]) id++;
        if (id == n_masks) {
            if (n_masks == 256) {
                PyErr_SetString(PyExc_ValueError, "Scanner: more than 256 distinct masks");
                PyBuffer_Release(&view);
                return -1;
            }
            s->masks[n_masks++] = masks[cp];
        }
        s->ids[cp] = (uint8_t)id;
    }
    for (int id = 0; id < 256; id++)
        s->hot[id] = id < n_masks && (s->masks[id] & (s->first | s->rare)) != 0;
    PyBuffer_Release(&view);
    PyObject *seq = PySequence_Fast(shapes, "Scanner: shapes must be a sequence");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > MAX_SHAPES) {
        PyErr_SetString(PyExc_ValueError, "Scanner: too many shapes");
        Py_DECREF(seq);
        return -1;
    }
    s->n_shapes = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *behind, *then;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, k), "OO!", &behind, &PyTuple_Type,
                              &then)) {
            Py_DECREF(seq);
            return -1;
        }
        Shape *shape = &s->shapes[k];
        Py_ssize_t len = PyTuple_GET_SIZE(then);
        if (len > MAX_THEN) {
            PyErr_SetString(PyExc_ValueError, "Scanner: a shape is too long");
            Py_DECREF(seq);
            return -1;
        }
        if (read_mask(behind, &shape->behind, "behind") < 0) {
            Py_DECREF(seq);
            return -1;
        }
        shape->len = (int)len;
        for (Py_ssize_t j = 0; j < len; j++) {
            if (read_mask(PyTuple_GET_ITEM(then, j), &shape->then[j], "then") < 0) {
                Py_DECREF(seq);
                return -1;
            }
        }
        s->n_shapes++;
    }
    Py_DECREF(seq);
    return 0;
}

static PyMethodDef scanner_methods[] = {
    {"trigger_spans", (PyCFunction)scanner_trigger_spans, METH_VARARGS,
     "trigger_spans(text, lo=0, hi=len): (start, end) of every trigger match."},
    {"rare_spans", (PyCFunction)scanner_rare_spans, METH_VARARGS,
     "rare_spans(text, lo=0, hi=len): the GBK<->Big5 pre-filter's spans."},
    {"evidence", (PyCFunction)scanner_evidence, METH_VARARGS,
     "evidence(text, lo=0, hi=len): a trigger match or a rare span in text[lo:hi]?"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zhnorm.kernels._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The mojibake pre-filter's scans over tables given by Python.",
    .tp_methods = scanner_methods,
    .tp_init = (initproc)scanner_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT, "_scan",
    "The mojibake pre-filter's scans (trigger hits, rare spans, evidence).", -1, NULL, NULL,
    NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&scan_module);
    if (!module) return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(module, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
