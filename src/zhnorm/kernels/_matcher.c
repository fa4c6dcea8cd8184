/*
 * zhnorm.kernels._matcher -- forward maximum matching over code-point tries: the compiled
 * conversion engine (its pure-Python twin is ReferenceEngine in zhnorm/script/engine.py).
 *
 * A Trie is built from flat arrays prepared in Python (see engine.py): node k > 0 has a
 * parent node and a code point; every node carries the match it resolves to (length of
 * the matched key, index of the output value) -- the dictionary-group semantics
 * (short_circuit / union) are already folded into these per-node results.
 *
 * convert() runs a whole configuration: stages, each with optional segmentation and a
 * chain of conversions applied segment by segment.  The work runs without the GIL, so
 * several threads convert in parallel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_SIZE 0x110000

typedef struct {
    PyObject_HEAD
    int32_t *root;      /* child of the root for each code point, 0 if none (node 0 is the
                           root itself); zero-filled on allocation, so the pages of code
                           points no key starts with are never written */
    uint64_t *hkeys;    /* open addressing: (node << 21 | cp) + 1, 0 = empty slot */
    int32_t *hvals;
    uint64_t hmask;
    int hshift;
    int32_t *mlen;      /* per node: length of the resolved match, 0 if none */
    int32_t *mval;      /* per node: index of the resolved value */
    uint8_t *kids;      /* per node: 1 if some node has it as parent (a walk may go on) */
    Py_UCS4 *vbuf;      /* all values, concatenated */
    Py_ssize_t *voff;
    Py_ssize_t *vlen;
    Py_ssize_t nvalues;
    Py_ssize_t nnodes;
} Trie;

static inline uint64_t slot_of(const Trie *t, uint64_t key) {
    return (key * 0x9E3779B97F4A7C15ULL) >> t->hshift;
}

static inline int32_t trie_child(const Trie *t, int32_t node, Py_UCS4 cp) {
    if (node == 0) {
        int32_t child = cp < ROOT_SIZE ? t->root[cp] : 0;
        return child ? child : -1;
    }
    uint64_t key = (((uint64_t)node << 21) | (uint64_t)cp) + 1;
    uint64_t s = slot_of(t, key);
    for (;;) {
        uint64_t k = t->hkeys[s];
        if (k == key) return t->hvals[s];
        if (k == 0) return -1;
        s = (s + 1) & t->hmask;
    }
}

static void Trie_dealloc(Trie *self) {
    free(self->root);
    free(self->kids);
    free(self->hkeys);
    free(self->hvals);
    free(self->mlen);
    free(self->mval);
    free(self->vbuf);
    free(self->voff);
    free(self->vlen);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int read_int_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t n, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if (view->itemsize != 4 || view->len != n * 4) {
        PyErr_Format(PyExc_ValueError, "%s must hold %zd 4-byte integers", what, n);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Trie(parent, cp, mlen, mval, values): array('i') x 4 of equal length, list of str. */
static int Trie_init(Trie *self, PyObject *args, PyObject *kwds) {
    PyObject *parent_o, *cp_o, *mlen_o, *mval_o, *values;
    static char *kwlist[] = {"parent", "cp", "mlen", "mval", "values", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO!", kwlist, &parent_o, &cp_o, &mlen_o,
                                     &mval_o, &PyList_Type, &values))
        return -1;
    if (self->root != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Trie is already initialised");
        return -1;
    }
    Py_ssize_t n = PyObject_Length(parent_o);
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "a trie needs at least the root node");
        return -1;
    }
    Py_buffer pv, cv, lv, vv;
    if (read_int_buffer(parent_o, &pv, n, "parent") < 0) return -1;
    if (read_int_buffer(cp_o, &cv, n, "cp") < 0) { PyBuffer_Release(&pv); return -1; }
    if (read_int_buffer(mlen_o, &lv, n, "mlen") < 0) {
        PyBuffer_Release(&pv); PyBuffer_Release(&cv); return -1;
    }
    if (read_int_buffer(mval_o, &vv, n, "mval") < 0) {
        PyBuffer_Release(&pv); PyBuffer_Release(&cv); PyBuffer_Release(&lv); return -1;
    }
    const int32_t *parent = pv.buf, *cps = cv.buf, *mlen = lv.buf, *mval = vv.buf;
    int rc = -1;
    Py_ssize_t nv = PyList_GET_SIZE(values);
    uint64_t cap = 16;
    int bits = 4;
    while (cap < (uint64_t)n * 2) { cap <<= 1; bits++; }
    self->nnodes = n;
    self->nvalues = nv;
    self->root = calloc(ROOT_SIZE, sizeof(int32_t));
    self->hkeys = calloc(cap, sizeof(uint64_t));
    self->hvals = malloc(sizeof(int32_t) * cap);
    self->mlen = malloc(sizeof(int32_t) * n);
    self->mval = malloc(sizeof(int32_t) * n);
    self->kids = calloc(n, 1);
    self->voff = malloc(sizeof(Py_ssize_t) * (nv + 1));
    self->vlen = malloc(sizeof(Py_ssize_t) * (nv + 1));
    self->hmask = cap - 1;
    self->hshift = 64 - bits;
    if (!self->root || !self->hkeys || !self->hvals || !self->mlen || !self->mval ||
        !self->kids || !self->voff || !self->vlen) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (mlen[k] < 0 || (mlen[k] > 0 && (mval[k] < 0 || mval[k] >= nv))) {
            PyErr_Format(PyExc_ValueError, "node %zd has an invalid match", k);
            goto done;
        }
        self->mlen[k] = mlen[k];
        self->mval[k] = mval[k];
        if (k == 0) continue;
        uint32_t cp = (uint32_t)cps[k];
        if (parent[k] < 0 || parent[k] >= k || cp >= ROOT_SIZE) {
            PyErr_Format(PyExc_ValueError, "node %zd has an invalid parent or code point", k);
            goto done;
        }
        self->kids[parent[k]] = 1;
        if (parent[k] == 0) {
            self->root[cp] = (int32_t)k;
        } else {
            uint64_t key = (((uint64_t)parent[k] << 21) | cp) + 1;
            uint64_t s = slot_of(self, key);
            while (self->hkeys[s] != 0) s = (s + 1) & self->hmask;
            self->hkeys[s] = key;
            self->hvals[s] = (int32_t)k;
        }
    }
    Py_ssize_t total = 0;
    for (Py_ssize_t v = 0; v < nv; v++) {
        PyObject *s = PyList_GET_ITEM(values, v);
        if (!PyUnicode_Check(s)) {
            PyErr_SetString(PyExc_TypeError, "values must be str");
            goto done;
        }
        self->voff[v] = total;
        self->vlen[v] = PyUnicode_GET_LENGTH(s);
        total += self->vlen[v];
    }
    self->vbuf = malloc(sizeof(Py_UCS4) * (total + 1));
    if (!self->vbuf) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t v = 0; v < nv; v++) {
        PyObject *s = PyList_GET_ITEM(values, v);
        if (!PyUnicode_AsUCS4(s, self->vbuf + self->voff[v], self->vlen[v], 0)) goto done;
    }
    rc = 0;
done:
    PyBuffer_Release(&pv);
    PyBuffer_Release(&cv);
    PyBuffer_Release(&lv);
    PyBuffer_Release(&vv);
    return rc;
}

/* ---- growable buffers ---------------------------------------------------------- */

typedef struct {
    Py_UCS4 *text;
    Py_ssize_t *origin; /* input offset of each code point, or NULL when not tracked */
    Py_ssize_t len, cap;
    Py_ssize_t *ends;   /* segment end positions */
    Py_ssize_t nseg, segcap;
} Buf;

static int buf_reserve(Buf *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra) cap *= 2;
    Py_UCS4 *t = realloc(b->text, sizeof(Py_UCS4) * cap);
    if (!t) return -1;
    b->text = t;
    if (b->origin) {
        Py_ssize_t *o = realloc(b->origin, sizeof(Py_ssize_t) * cap);
        if (!o) return -1;
        b->origin = o;
    }
    b->cap = cap;
    return 0;
}

static int buf_end_segment(Buf *b) {
    if (b->nseg == b->segcap) {
        Py_ssize_t cap = b->segcap ? b->segcap * 2 : 16;
        Py_ssize_t *e = realloc(b->ends, sizeof(Py_ssize_t) * cap);
        if (!e) return -1;
        b->ends = e;
        b->segcap = cap;
    }
    b->ends[b->nseg++] = b->len;
    return 0;
}

static void buf_free(Buf *b) {
    free(b->text);
    free(b->origin);
    free(b->ends);
    memset(b, 0, sizeof(Buf));
}

/* Whether some key of `t` starts with code point `c`. */
static inline int starts_key(const Trie *t, Py_UCS4 c) {
    return c < ROOT_SIZE && t->root[c] != 0;
}

/* Whether some key of `t` starts at a character of `b`: when none does, converting `b`
   with `t` gives `b` itself (same text, same segments, same origins). */
static int any_key_start(const Trie *t, const Buf *b) {
    for (Py_ssize_t i = 0; i < b->len; i++)
        if (starts_key(t, b->text[i])) return 1;
    return 0;
}

/* Deepest node reachable from text[i] within [i, end); returns the resolved match length. */
static inline int32_t longest_match(const Trie *t, const Py_UCS4 *text, Py_ssize_t i,
                                    Py_ssize_t end, int32_t *value) {
    Py_UCS4 c = text[i];
    int32_t node = c < ROOT_SIZE ? t->root[c] : 0;
    if (node == 0) return 0;
    for (Py_ssize_t j = i + 1; j < end && t->kids[node]; j++) {
        int32_t next = trie_child(t, node, text[j]);
        if (next < 0) break;
        node = next;
    }
    *value = t->mval[node];
    return t->mlen[node];
}

/* Convert every segment of `in` with trie `t`, appending to `out` (segments preserved). */
static int convert_segments(const Trie *t, const Buf *in, Buf *out) {
    Py_ssize_t start = 0;
    for (Py_ssize_t s = 0; s < in->nseg; s++) {
        Py_ssize_t end = in->ends[s];
        Py_ssize_t i = start;
        while (i < end) {
            int32_t v = 0;
            int32_t L = longest_match(t, in->text, i, end, &v);
            if (L > 0) {
                Py_ssize_t m = t->vlen[v];
                if (buf_reserve(out, m) < 0) return -1;
                memcpy(out->text + out->len, t->vbuf + t->voff[v], sizeof(Py_UCS4) * m);
                if (out->origin) {
                    for (Py_ssize_t k = 0; k < m; k++)
                        out->origin[out->len + k] = in->origin[m == L ? i + k : i];
                }
                out->len += m;
                i += L;
            } else {
                /* No match here: copy this character and those after it that start no
                   key, in one go. */
                Py_ssize_t j = i + 1;
                while (j < end && !starts_key(t, in->text[j])) j++;
                if (buf_reserve(out, j - i) < 0) return -1;
                memcpy(out->text + out->len, in->text + i, sizeof(Py_UCS4) * (j - i));
                if (out->origin)
                    memcpy(out->origin + out->len, in->origin + i, sizeof(Py_ssize_t) * (j - i));
                out->len += j - i;
                i = j;
            }
        }
        if (buf_end_segment(out) < 0) return -1;
        start = end;
    }
    return 0;
}

/* Max-match segmentation of a single-segment buffer, in place: matched keys become
   segments of their own; runs of unmatched characters are grouped into one segment. */
static int segment(const Trie *t, Buf *b) {
    Py_ssize_t n = b->len, i = 0, run = 0;
    b->nseg = 0;
    Py_ssize_t saved_len = b->len;
    while (i < n) {
        int32_t v = 0;
        int32_t L = longest_match(t, b->text, i, n, &v);
        if (L > 0) {
            if (i > run) { b->len = i; if (buf_end_segment(b) < 0) return -1; }
            b->len = i + L;
            if (buf_end_segment(b) < 0) return -1;
            i += L;
            run = i;
        } else {
            i++;
        }
    }
    b->len = saved_len;
    if (run < n && buf_end_segment(b) < 0) return -1;
    return 0;
}

/* Fetch the Trie objects out of the stage description while holding the GIL. */
typedef struct {
    const Trie *seg;
    const Trie **chain;
    Py_ssize_t nchain;
} StagePlan;

static PyTypeObject TrieType;

static int parse_stages(PyObject *stages, StagePlan **plans_out, Py_ssize_t *n_out) {
    if (!PyTuple_Check(stages)) {
        PyErr_SetString(PyExc_TypeError, "stages must be a tuple");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(stages);
    StagePlan *plans = calloc(n ? n : 1, sizeof(StagePlan));
    if (!plans) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *st = PyTuple_GET_ITEM(stages, k);
        if (!PyTuple_Check(st) || PyTuple_GET_SIZE(st) != 2) goto bad;
        PyObject *seg = PyTuple_GET_ITEM(st, 0), *chain = PyTuple_GET_ITEM(st, 1);
        if (seg != Py_None && !PyObject_TypeCheck(seg, &TrieType)) goto bad;
        if (!PyTuple_Check(chain)) goto bad;
        plans[k].seg = seg == Py_None ? NULL : (const Trie *)seg;
        plans[k].nchain = PyTuple_GET_SIZE(chain);
        plans[k].chain = calloc(plans[k].nchain ? plans[k].nchain : 1, sizeof(Trie *));
        if (!plans[k].chain) { PyErr_NoMemory(); goto fail; }
        for (Py_ssize_t c = 0; c < plans[k].nchain; c++) {
            PyObject *tr = PyTuple_GET_ITEM(chain, c);
            if (!PyObject_TypeCheck(tr, &TrieType)) goto bad;
            plans[k].chain[c] = (const Trie *)tr;
        }
    }
    *plans_out = plans;
    *n_out = n;
    return 0;
bad:
    PyErr_SetString(PyExc_TypeError,
                    "stages must be a tuple of (Trie | None, tuple[Trie, ...]) pairs");
fail:
    for (Py_ssize_t k = 0; k < n; k++) free(plans[k].chain);
    free(plans);
    return -1;
}

static int run_stages(const StagePlan *plans, Py_ssize_t nplans, Buf *cur) {
    for (Py_ssize_t k = 0; k < nplans; k++) {
        if (plans[k].seg) {
            if (segment(plans[k].seg, cur) < 0) return -1;
        } else {
            cur->nseg = 0;
            if (buf_end_segment(cur) < 0) return -1;
        }
        for (Py_ssize_t c = 0; c < plans[k].nchain; c++) {
            if (!any_key_start(plans[k].chain[c], cur)) continue; /* nothing to convert */
            Buf next = {0};
            if (cur->origin) {
                next.origin = malloc(sizeof(Py_ssize_t) * 64);
                if (!next.origin) return -1;
                next.cap = 0;
            }
            if (convert_segments(plans[k].chain[c], cur, &next) < 0) {
                buf_free(&next);
                return -1;
            }
            buf_free(cur);
            *cur = next;
        }
    }
    return 0;
}

/* convert(stages, text, with_offsets=False) -> str | tuple[str, list[int]] */
static PyObject *matcher_convert(PyObject *module, PyObject *args) {
    PyObject *stages, *text;
    int with_offsets = 0;
    if (!PyArg_ParseTuple(args, "OU|p", &stages, &text, &with_offsets)) return NULL;
    StagePlan *plans = NULL;
    Py_ssize_t nplans = 0;
    if (parse_stages(stages, &plans, &nplans) < 0) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Buf cur = {0};
    PyObject *result = NULL;
    cur.text = malloc(sizeof(Py_UCS4) * (n + 1));
    if (!cur.text) { PyErr_NoMemory(); goto done; }
    if (!PyUnicode_AsUCS4(text, cur.text, n + 1, 1)) goto done;
    cur.len = cur.cap = n;
    if (with_offsets) {
        cur.origin = malloc(sizeof(Py_ssize_t) * (n ? n : 1));
        if (!cur.origin) { PyErr_NoMemory(); goto done; }
        for (Py_ssize_t i = 0; i < n; i++) cur.origin[i] = i;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = run_stages(plans, nplans, &cur);
    Py_END_ALLOW_THREADS
    if (rc < 0) { PyErr_NoMemory(); goto done; }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cur.text, cur.len);
    if (!out) goto done;
    if (!with_offsets) { result = out; goto done; }
    PyObject *offsets = PyList_New(cur.len + 1);
    if (!offsets) { Py_DECREF(out); goto done; }
    for (Py_ssize_t i = 0; i <= cur.len; i++) {
        PyObject *v = PyLong_FromSsize_t(i < cur.len ? cur.origin[i] : n);
        if (!v) { Py_DECREF(out); Py_DECREF(offsets); goto done; }
        PyList_SET_ITEM(offsets, i, v);
    }
    result = PyTuple_Pack(2, out, offsets);
    Py_DECREF(out);
    Py_DECREF(offsets);
done:
    buf_free(&cur);
    for (Py_ssize_t k = 0; k < nplans; k++) free((void *)plans[k].chain);
    free(plans);
    return result;
}

/* Whether `text` holds exactly the `len` code points of `buf`. */
static int same_text(PyObject *text, const Py_UCS4 *buf, Py_ssize_t len) {
    if (PyUnicode_GET_LENGTH(text) != len) return 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_4BYTE_KIND) return memcmp(data, buf, sizeof(Py_UCS4) * len) == 0;
    for (Py_ssize_t i = 0; i < len; i++)
        if (PyUnicode_READ(kind, data, i) != buf[i]) return 0;
    return 1;
}

/* convert_many(stages, texts: list[str]) -> list[str]: one GIL release for the batch; a
   text the configuration leaves as it is comes back as the same object. */
static PyObject *matcher_convert_many(PyObject *module, PyObject *args) {
    PyObject *stages, *texts;
    if (!PyArg_ParseTuple(args, "OO!", &stages, &PyList_Type, &texts)) return NULL;
    StagePlan *plans = NULL;
    Py_ssize_t nplans = 0;
    if (parse_stages(stages, &plans, &nplans) < 0) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    Buf *bufs = calloc(count ? count : 1, sizeof(Buf));
    PyObject *result = NULL;
    int rc = 0;
    if (!bufs) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *text = PyList_GET_ITEM(texts, k);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] must be str", k);
            goto done;
        }
        Py_ssize_t n = PyUnicode_GET_LENGTH(text);
        bufs[k].text = malloc(sizeof(Py_UCS4) * (n + 1));
        if (!bufs[k].text) { PyErr_NoMemory(); goto done; }
        if (!PyUnicode_AsUCS4(text, bufs[k].text, n + 1, 1)) goto done;
        bufs[k].len = bufs[k].cap = n;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < count && rc == 0; k++) rc = run_stages(plans, nplans, &bufs[k]);
    Py_END_ALLOW_THREADS
    if (rc < 0) { PyErr_NoMemory(); goto done; }
    result = PyList_New(count);
    for (Py_ssize_t k = 0; result && k < count; k++) {
        PyObject *text = PyList_GET_ITEM(texts, k), *out;
        if (same_text(text, bufs[k].text, bufs[k].len)) {
            out = text;
            Py_INCREF(out);
        } else {
            out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, bufs[k].text, bufs[k].len);
            if (!out) { Py_CLEAR(result); break; }
        }
        PyList_SET_ITEM(result, k, out);
    }
done:
    if (bufs) {
        for (Py_ssize_t k = 0; k < count; k++) buf_free(&bufs[k]);
        free(bufs);
    }
    for (Py_ssize_t k = 0; k < nplans; k++) free((void *)plans[k].chain);
    free(plans);
    return result;
}

/* Trie.matches(text) -> list[(start, end, value_index)], forward maximum matching. */
static PyObject *Trie_matches(Trie *self, PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "text must be str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg);
    Py_UCS4 *text = PyUnicode_AsUCS4Copy(arg);
    if (!text) return NULL;
    PyObject *out = PyList_New(0);
    Py_ssize_t i = 0;
    while (out && i < n) {
        int32_t v = 0;
        int32_t L = longest_match(self, text, i, n, &v);
        if (L > 0) {
            PyObject *item = Py_BuildValue("(nni)", i, i + L, (int)v);
            if (!item || PyList_Append(out, item) < 0) Py_CLEAR(out);
            Py_XDECREF(item);
            i += L;
        } else {
            i++;
        }
    }
    PyMem_Free(text);
    return out;
}

static PyObject *Trie_get_nnodes(Trie *self, void *closure) {
    return PyLong_FromSsize_t(self->nnodes);
}

static PyMethodDef Trie_methods[] = {
    {"matches", (PyCFunction)Trie_matches, METH_O,
     "Forward-maximum-matching spans (start, end, value_index) in text."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Trie_getset[] = {
    {"node_count", (getter)Trie_get_nnodes, NULL, "number of trie nodes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject TrieType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "zhnorm.kernels._matcher.Trie",
    .tp_basicsize = sizeof(Trie),
    .tp_dealloc = (destructor)Trie_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Immutable code-point trie with per-node resolved matches.",
    .tp_methods = Trie_methods,
    .tp_getset = Trie_getset,
    .tp_init = (initproc)Trie_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef module_methods[] = {
    {"convert", matcher_convert, METH_VARARGS,
     "convert(stages, text, with_offsets=False): run a compiled configuration."},
    {"convert_many", matcher_convert_many, METH_VARARGS,
     "convert_many(stages, texts): convert a list of str with one GIL release."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef matcher_module = {
    PyModuleDef_HEAD_INIT, "_matcher",
    "Forward maximum matching over code-point tries (the compiled conversion engine).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__matcher(void) {
    if (PyType_Ready(&TrieType) < 0) return NULL;
    PyObject *m = PyModule_Create(&matcher_module);
    if (!m) return NULL;
    Py_INCREF(&TrieType);
    if (PyModule_AddObject(m, "Trie", (PyObject *)&TrieType) < 0) {
        Py_DECREF(&TrieType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
