"""The compiled kernels (optional C extensions) and the one switch that chooses between
them and their pure-Python twins (:mod:`zhnorm.kernels.dispatch`).

* ``_matcher`` -- forward maximum matching over code-point tries: the conversion engine;
* ``_fingerprint`` -- the key's final fold, shingle hashes and MinHash signatures;
* ``_scan`` -- the mojibake pre-filter's scans (trigger hits, rare spans, evidence).
"""
