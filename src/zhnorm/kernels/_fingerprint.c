/*
 * zhnorm.kernels._fingerprint -- the kernels that turn texts into near-duplicate
 * fingerprints: the key's final fold (fold_many), the shingle hashes (shingle_hashes),
 * the MinHash signatures (minhash_many) and the exact verification of candidate pairs
 * (shingle_jaccard).  Their pure-Python twins, which give the same results, are in
 * zhnorm/key.py (fold_texts), zhnorm/neardup/shingling.py, zhnorm/neardup/minhash.py and
 * zhnorm/neardup/similarity.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* fold_many(table, texts: list[str]) -> list[str | None]: map every code point of each
 * text through ``table`` (0x10000 uint32: the folded code point, 0 to drop it,
 * 0xFFFFFFFF when it folds to several); None for a text holding such a code point or
 * one outside the BMP, which the caller folds in Python. */
static PyObject *fingerprint_fold_many(PyObject *module, PyObject *args) {
    PyObject *table_obj, *texts;
    if (!PyArg_ParseTuple(args, "OO!", &table_obj, &PyList_Type, &texts)) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(table_obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (view.itemsize != 4 || view.len != 0x10000 * 4) {
        PyErr_SetString(PyExc_ValueError, "table must hold 65536 4-byte integers");
        PyBuffer_Release(&view);
        return NULL;
    }
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
static PyObject *fingerprint_minhash_simd(PyObject *module, PyObject *unused) {
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
static PyObject *fingerprint_minhash_many(PyObject *module, PyObject *args) {
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

static PyObject *fingerprint_shingle_hashes(PyObject *module, PyObject *args) {
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

/* shingle_jaccard(keys, a, b, n, out): out[i] = the exact Jaccard similarity of the
 * sets of character n-grams (1 <= n <= 3) of keys[a[i]] and keys[b[i]] (int64 indices,
 * float64 out); each key must hold at least n characters.  An n-gram is packed
 * losslessly into one uint64 (21 bits per code point), so the sets are those of
 * zhnorm/neardup/similarity.py (shingle_set_of + jaccard), its twin.  Per pair, one
 * open-addressing table holds each distinct n-gram with the side(s) it came from. */
typedef struct {
    uint64_t *slots; /* packed n-gram + 1 (0: empty) */
    uint8_t *sides;  /* 1: in a, 2: in b, 3: both */
    size_t cap;      /* a power of two */
} gram_table;

static int gram_table_reserve(gram_table *t, size_t items) {
    size_t want = 64;
    while (want < 2 * items) want <<= 1;
    if (want > t->cap) {
        uint64_t *slots = realloc(t->slots, want * sizeof(uint64_t));
        if (!slots) return -1;
        t->slots = slots;
        uint8_t *sides = realloc(t->sides, want);
        if (!sides) return -1;
        t->sides = sides;
        t->cap = want;
    }
    memset(t->slots, 0, want * sizeof(uint64_t));
    memset(t->sides, 0, want);
    return (int)(want - 1); /* the mask in use (want <= 2**30 here) */
}

/* Adds the n-grams of ``key`` for ``side``; returns how many were new to that side and
 * adds to ``*both`` those that now have both sides. */
static Py_ssize_t gram_table_add(gram_table *t, size_t mask, PyObject *key, Py_ssize_t n,
                                 uint8_t side, Py_ssize_t *both) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(key), distinct = 0;
    int kind = PyUnicode_KIND(key);
    const void *data = PyUnicode_DATA(key);
    for (Py_ssize_t i = 0; i + n <= len; i++) {
        uint64_t packed = 0;
        for (Py_ssize_t j = 0; j < n; j++)
            packed = (packed << 21) | (uint64_t)PyUnicode_READ(kind, data, i + j);
        uint64_t stored = packed + 1;
        size_t at = (size_t)((stored * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
        while (t->slots[at] && t->slots[at] != stored) at = (at + 1) & mask;
        if (!t->slots[at]) t->slots[at] = stored;
        if (!(t->sides[at] & side)) {
            t->sides[at] |= side;
            distinct++;
            *both += t->sides[at] == 3;
        }
    }
    return distinct;
}

static PyObject *fingerprint_shingle_jaccard(PyObject *module, PyObject *args) {
    PyObject *keys, *a_obj, *b_obj, *out_obj;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!OOnO", &PyList_Type, &keys, &a_obj, &b_obj, &n, &out_obj))
        return NULL;
    if (n < 1 || n > 3) {
        PyErr_SetString(PyExc_ValueError, "shingle_jaccard: n must be 1, 2 or 3");
        return NULL;
    }
    Py_buffer av = {0}, bv = {0}, ov = {0};
    PyObject *result = NULL;
    gram_table table = {NULL, NULL, 0};
    if (PyObject_GetBuffer(a_obj, &av, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) goto done;
    if (PyObject_GetBuffer(b_obj, &bv, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) goto done;
    if (PyObject_GetBuffer(out_obj, &ov, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        goto done;
    Py_ssize_t pairs = av.len / 8;
    if (av.itemsize != 8 || bv.itemsize != 8 || ov.itemsize != 8 || bv.len != av.len ||
        ov.len != av.len) {
        PyErr_SetString(PyExc_ValueError,
                        "shingle_jaccard: a, b (int64) and out (float64) must have one length");
        goto done;
    }
    const int64_t *a = av.buf, *b = bv.buf;
    double *out = ov.buf;
    Py_ssize_t count = PyList_GET_SIZE(keys);
    for (Py_ssize_t i = 0; i < pairs; i++) {
        if (a[i] < 0 || a[i] >= count || b[i] < 0 || b[i] >= count) {
            PyErr_Format(PyExc_IndexError, "shingle_jaccard: pair %zd outside the keys", i);
            goto done;
        }
        PyObject *ka = PyList_GET_ITEM(keys, a[i]), *kb = PyList_GET_ITEM(keys, b[i]);
        if (!PyUnicode_Check(ka) || !PyUnicode_Check(kb)) {
            PyErr_Format(PyExc_TypeError, "shingle_jaccard: keys of pair %zd must be str", i);
            goto done;
        }
        Py_ssize_t la = PyUnicode_GET_LENGTH(ka), lb = PyUnicode_GET_LENGTH(kb);
        if (la < n || lb < n) {
            PyErr_Format(PyExc_ValueError,
                         "shingle_jaccard: a key of pair %zd is shorter than n", i);
            goto done;
        }
        int mask = gram_table_reserve(&table, (size_t)(la + lb));
        if (mask < 0) {
            PyErr_NoMemory();
            goto done;
        }
        Py_ssize_t common = 0;
        Py_ssize_t size_a = gram_table_add(&table, (size_t)mask, ka, n, 1, &common);
        Py_ssize_t size_b = gram_table_add(&table, (size_t)mask, kb, n, 2, &common);
        out[i] = (double)common / (double)(size_a + size_b - common);
    }
    result = Py_None;
    Py_INCREF(result);
done:
    free(table.slots);
    free(table.sides);
    if (av.obj) PyBuffer_Release(&av);
    if (bv.obj) PyBuffer_Release(&bv);
    if (ov.obj) PyBuffer_Release(&ov);
    return result;
}

static PyMethodDef module_methods[] = {
    {"fold_many", fingerprint_fold_many, METH_VARARGS,
     "fold_many(table, texts): map code points through a BMP table (see key.py)."},
    {"shingle_hashes", fingerprint_shingle_hashes, METH_VARARGS,
     "shingle_hashes(keys, n, out): hashes of every character n-gram of each key."},
    {"minhash_many", fingerprint_minhash_many, METH_VARARGS,
     "minhash_many(hashes, offsets, a, b, exact_doc, exact_perm, out): MinHash signatures."},
    {"minhash_simd", fingerprint_minhash_simd, METH_NOARGS,
     "minhash_simd(): whether minhash_many has a wide-vector variant for this CPU."},
    {"shingle_jaccard", fingerprint_shingle_jaccard, METH_VARARGS,
     "shingle_jaccard(keys, a, b, n, out): exact n-gram Jaccard of keys[a[i]], keys[b[i]]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fingerprint_module = {
    PyModuleDef_HEAD_INIT, "_fingerprint",
    "Key fold, shingle hashes and MinHash signatures (near-duplicate fingerprints).", -1,
    module_methods,
};

PyMODINIT_FUNC PyInit__fingerprint(void) { return PyModule_Create(&fingerprint_module); }
