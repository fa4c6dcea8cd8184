/*
 * zhnorm._fmm -- forward-maximum-matching fast path for zhnorm's conversion engine.
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
    int32_t *root;      /* child of the root for each code point, -1 if none */
    uint64_t *hkeys;    /* open addressing: (node << 21 | cp) + 1, 0 = empty slot */
    int32_t *hvals;
    uint64_t hmask;
    int hshift;
    int32_t *mlen;      /* per node: length of the resolved match, 0 if none */
    int32_t *mval;      /* per node: index of the resolved value */
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
    if (node == 0) return cp < ROOT_SIZE ? t->root[cp] : -1;
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
    self->root = malloc(sizeof(int32_t) * ROOT_SIZE);
    self->hkeys = calloc(cap, sizeof(uint64_t));
    self->hvals = malloc(sizeof(int32_t) * cap);
    self->mlen = malloc(sizeof(int32_t) * n);
    self->mval = malloc(sizeof(int32_t) * n);
    self->voff = malloc(sizeof(Py_ssize_t) * (nv + 1));
    self->vlen = malloc(sizeof(Py_ssize_t) * (nv + 1));
    self->hmask = cap - 1;
    self->hshift = 64 - bits;
    if (!self->root || !self->hkeys || !self->hvals || !self->mlen || !self->mval ||
        !self->voff || !self->vlen) {
        PyErr_NoMemory();
        goto done;
    }
    memset(self->root, 0xff, sizeof(int32_t) * ROOT_SIZE);
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

/* Deepest node reachable from text[i] within [i, end); returns the resolved match length. */
static inline int32_t longest_match(const Trie *t, const Py_UCS4 *text, Py_ssize_t i,
                                    Py_ssize_t end, int32_t *value) {
    Py_UCS4 c = text[i];
    int32_t node = c < ROOT_SIZE ? t->root[c] : -1;
    if (node < 0) return 0;
    for (Py_ssize_t j = i + 1; j < end; j++) {
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
                if (buf_reserve(out, 1) < 0) return -1;
                out->text[out->len] = in->text[i];
                if (out->origin) out->origin[out->len] = in->origin[i];
                out->len++;
                i++;
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
static PyObject *fmm_convert(PyObject *module, PyObject *args) {
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

/* convert_many(stages, texts: list[str]) -> list[str]: one GIL release for the batch. */
static PyObject *fmm_convert_many(PyObject *module, PyObject *args) {
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
        PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, bufs[k].text, bufs[k].len);
        if (!out) { Py_CLEAR(result); break; }
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
    .tp_name = "zhnorm.script._fmm.Trie",
    .tp_basicsize = sizeof(Trie),
    .tp_dealloc = (destructor)Trie_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Immutable code-point trie with per-node resolved matches.",
    .tp_methods = Trie_methods,
    .tp_getset = Trie_getset,
    .tp_init = (initproc)Trie_init,
    .tp_new = PyType_GenericNew,
};

/* fold_many(table, texts: list[str]) -> list[str | None]: map every code point of each
 * text through ``table`` (0x10000 uint32: the folded code point, 0 to drop it,
 * 0xFFFFFFFF when it folds to several); None for a text holding such a code point or
 * one outside the BMP, which the caller folds in Python. */
static PyObject *fmm_fold_many(PyObject *module, PyObject *args) {
    PyObject *table_obj, *texts;
    if (!PyArg_ParseTuple(args, "OO!", &table_obj, &PyList_Type, &texts)) return NULL;
    Py_buffer view;
    if (read_int_buffer(table_obj, &view, 0x10000, "table") < 0) return NULL;
    const uint32_t *table = (const uint32_t *)view.buf;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    PyObject *result = PyList_New(count);
    Py_UCS4 *out = NULL;
    Py_ssize_t cap = 0;
    for (Py_ssize_t k = 0; result && k < count; k++) {
        PyObject *text = PyList_GET_ITEM(texts, k);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] must be str", k);
            Py_CLEAR(result);
            break;
        }
        Py_ssize_t n = PyUnicode_GET_LENGTH(text);
        if (n > cap) {
            Py_UCS4 *grown = realloc(out, sizeof(Py_UCS4) * n);
            if (!grown) { PyErr_NoMemory(); Py_CLEAR(result); break; }
            out = grown;
            cap = n;
        }
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t m = 0;
        int several = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, i);
            uint32_t v = cp > 0xFFFF ? 0xFFFFFFFFu : table[cp];
            if (v == 0) continue;
            if (v == 0xFFFFFFFFu) { several = 1; break; }
            out[m++] = (Py_UCS4)v;
        }
        PyObject *item;
        if (several) {
            item = Py_None;
            Py_INCREF(item);
        } else {
            item = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
            if (!item) { Py_CLEAR(result); break; }
        }
        PyList_SET_ITEM(result, k, item);
    }
    free(out);
    PyBuffer_Release(&view);
    return result;
}

/* MinHash kernel (see zhnorm/neardup/minhash.py for the arithmetic).  Per permutation
 * (a, b) and shingle hash h, datasketch's value is T(h) = ((a*h + b) mod 2**64 mod p)
 * & 0xFFFFFFFF with p = 2**61 - 1, and v(h) = low 32 bits of a*h + b is a 32-bit
 * multiply-add with v <= T <= v + 7 for every h outside a precomputed exceptional set.
 * So the minimum of T over a document is the minimum of T over the shingles with
 * v <= min(v) + 7 (usually one): two vectorisable 32-bit passes, then T exactly. */
#define MERSENNE61 ((1ULL << 61) - 1)

/* Wider vectors where the CPU has them (chosen at load time; GCC on x86-64). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIMD_CLONES
#endif

static inline uint32_t exact_t(uint64_t a, uint64_t b, uint32_t h) {
    uint64_t x = a * (uint64_t)h + b; /* wraps mod 2**64, as datasketch's uint64 does */
    /* x mod p = r or r - p, with r < 2**61 + 7; subtracting p adds 1 to the low
     * 32 bits, and r >= p exactly when bit 61 of r + 1 is set. */
    uint64_t r = (x & MERSENNE61) + (x >> 61);
    return (uint32_t)r + (uint32_t)((r + 1) >> 61);
}

SIMD_CLONES static uint32_t exact_min(const uint32_t *h, Py_ssize_t n, uint64_t a, uint64_t b) {
    uint32_t best = 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t t = exact_t(a, b, h[i]);
        best = t < best ? t : best;
    }
    return best;
}

SIMD_CLONES static uint32_t fast_min(const uint32_t *h, Py_ssize_t n, uint64_t a, uint64_t b) {
    const uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
    uint32_t m = 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t v = a32 * h[i] + b32;
        m = v < m ? v : m;
    }
    if (m > 0xFFFFFFFFu - 7) return exact_min(h, n, a, b);
    const uint32_t lim = m + 7;
    /* How many shingles are candidates, and the sum of their positions: the position
     * of the candidate when there is one. */
    uint32_t count = 0, at = 0;
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        uint32_t hit = a32 * h[i] + b32 <= lim;
        count += hit;
        at += hit ? i : 0;
    }
    if (count == 1) return exact_t(a, b, h[at]);
    uint32_t best = 0xFFFFFFFFu;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (a32 * h[i] + b32 <= lim) {
            uint32_t t = exact_t(a, b, h[i]);
            best = t < best ? t : best;
        }
    }
    return best;
}

/* minhash_simd() -> bool: whether minhash_many runs a wide-vector variant here (AVX2 or
 * AVX-512).  Built for SSE2 only it was measured slower than the numpy kernel, which the
 * caller then uses instead. */
static PyObject *fmm_minhash_simd(PyObject *module, PyObject *unused) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    __builtin_cpu_init();
    return PyBool_FromLong(__builtin_cpu_supports("avx2"));
#else
    Py_RETURN_FALSE;
#endif
}

/* minhash_many(hashes, offsets, a, b, exact_doc, exact_perm, out): out[d, j] = the
 * minimum of T_j over document d's shingles hashes[offsets[d]:offsets[d + 1]] (int64
 * offsets; uint64 a, b; out uint32 num_docs x num_perm, left as given for a document
 * without shingles).  exact_doc (uint8 per document: it holds an exceptional hash) and
 * exact_perm (uint8 per permutation: too many exceptional hashes to list) select the
 * plain exact formula. */
static PyObject *fmm_minhash_many(PyObject *module, PyObject *args) {
    enum { NARGS = 7 };
    PyObject *objs[NARGS];
    if (!PyArg_ParseTuple(args, "OOOOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4],
                          &objs[5], &objs[6]))
        return NULL;
    static const Py_ssize_t itemsize[NARGS] = {4, 8, 8, 8, 1, 1, 4};
    Py_buffer views[NARGS];
    int got = 0;
    PyObject *result = NULL;
    for (; got < NARGS; got++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (got == NARGS - 1 ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objs[got], &views[got], flags) < 0) goto done;
        if (views[got].itemsize != itemsize[got]) {
            PyErr_Format(PyExc_ValueError, "minhash_many: argument %d must hold %zd-byte items",
                         got, itemsize[got]);
            got++;
            goto done;
        }
    }
    const uint32_t *hashes = views[0].buf;
    const int64_t *offsets = views[1].buf;
    const uint64_t *a = views[2].buf, *b = views[3].buf;
    const uint8_t *exact_doc = views[4].buf, *exact_perm = views[5].buf;
    uint32_t *out = views[6].buf;
    Py_ssize_t n_hashes = views[0].len / 4, n_docs = views[1].len / 8 - 1;
    Py_ssize_t k = views[2].len / 8;
    if (n_docs < 0 || views[3].len != views[2].len || views[4].len != n_docs ||
        views[5].len != k || views[6].len != n_docs * k * 4) {
        PyErr_SetString(PyExc_ValueError, "minhash_many: inconsistent argument sizes");
        goto done;
    }
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        if (offsets[d] < 0 || offsets[d] > offsets[d + 1] || offsets[d + 1] > n_hashes ||
            offsets[d + 1] - offsets[d] > 0xFFFFFFFFLL) {
            PyErr_Format(PyExc_ValueError, "minhash_many: bad offsets at document %zd", d);
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        Py_ssize_t n = (Py_ssize_t)(offsets[d + 1] - offsets[d]);
        if (n == 0) continue;
        const uint32_t *h = hashes + offsets[d];
        for (Py_ssize_t j = 0; j < k; j++)
            out[d * k + j] = exact_doc[d] || exact_perm[j] ? exact_min(h, n, a[j], b[j])
                                                           : fast_min(h, n, a[j], b[j]);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    for (int i = 0; i < got; i++) PyBuffer_Release(&views[i]);
    return result;
}

/* shingle_hashes(keys, n, out): the hash of every character n-gram of each key (a key
 * shorter than n is one shingle, an empty key none), concatenated into out (uint32,
 * exactly that many): FNV-1a over the code points widened to 64 bits, then the fmix64
 * finaliser, high 32 bits (see zhnorm/neardup/shingling.py). */
static inline uint32_t fnv_fmix(int kind, const void *data, Py_ssize_t at, Py_ssize_t len) {
    uint64_t h = 0xCBF29CE484222325ULL;
    for (Py_ssize_t i = at; i < at + len; i++) {
        h ^= (uint64_t)PyUnicode_READ(kind, data, i);
        h *= 0x100000001B3ULL;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return (uint32_t)(h >> 32);
}

static PyObject *fmm_shingle_hashes(PyObject *module, PyObject *args) {
    PyObject *keys, *out_obj;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!nO", &PyList_Type, &keys, &n, &out_obj)) return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "shingle_hashes: n must be >= 1");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(out_obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return NULL;
    uint32_t *out = view.buf;
    Py_ssize_t cap = view.itemsize == 4 ? view.len / 4 : -1, m = 0;
    PyObject *result = NULL;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(keys); k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key)) {
            PyErr_Format(PyExc_TypeError, "keys[%zd] must be str", k);
            goto done;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        Py_ssize_t count = len >= n ? len - n + 1 : (len > 0);
        if (m + count > cap) break;
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        Py_ssize_t width = len >= n ? n : len;
        for (Py_ssize_t i = 0; i < count; i++) out[m++] = fnv_fmix(kind, data, i, width);
    }
    if (m != cap) {
        PyErr_SetString(PyExc_ValueError, "shingle_hashes: out must hold exactly the shingles");
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef module_methods[] = {
    {"convert", fmm_convert, METH_VARARGS,
     "convert(stages, text, with_offsets=False): run a compiled configuration."},
    {"convert_many", fmm_convert_many, METH_VARARGS,
     "convert_many(stages, texts): convert a list of str with one GIL release."},
    {"minhash_many", fmm_minhash_many, METH_VARARGS,
     "minhash_many(hashes, offsets, a, b, exact_doc, exact_perm, out): MinHash signatures."},
    {"minhash_simd", fmm_minhash_simd, METH_NOARGS,
     "minhash_simd(): whether minhash_many has a wide-vector variant for this CPU."},
    {"shingle_hashes", fmm_shingle_hashes, METH_VARARGS,
     "shingle_hashes(keys, n, out): hashes of every character n-gram of each key."},
    {"fold_many", fmm_fold_many, METH_VARARGS,
     "fold_many(table, texts): map code points through a BMP table (see key.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fmm_module = {
    PyModuleDef_HEAD_INIT, "_fmm", "Forward-maximum-matching fast path.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__fmm(void) {
    if (PyType_Ready(&TrieType) < 0) return NULL;
    PyObject *m = PyModule_Create(&fmm_module);
    if (!m) return NULL;
    Py_INCREF(&TrieType);
    if (PyModule_AddObject(m, "Trie", (PyObject *)&TrieType) < 0) {
        Py_DECREF(&TrieType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
