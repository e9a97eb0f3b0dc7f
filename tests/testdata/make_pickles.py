#!/usr/bin/python3
"""Writes the pickle fixtures of tests/lib/dataset/label_map_test.ts into pickles/.

label2landmark_id.p<N>.pkl: the notebook's label -> landmark id dict in protocol N
(0-5), with ids that need 1, 2, 4 and more bytes. numpy.pkl: the same with numpy ints,
which the reader must refuse (it would need GLOBAL/REDUCE). Run: /usr/bin/python3 make_pickles.py
"""
import os
import pickle

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pickles")
LABEL2ID = {0: 7, 1: 200, 2: 70000, 3: 138982, 4: 2**40, 5: 1}

os.makedirs(HERE, exist_ok=True)
for protocol in range(6):
    with open(os.path.join(HERE, f"label2landmark_id.p{protocol}.pkl"), "wb") as f:
        pickle.dump(LABEL2ID, f, protocol=protocol)
try:
    import numpy as np

    with open(os.path.join(HERE, "numpy.pkl"), "wb") as f:
        pickle.dump({np.int64(k): np.int64(v) for k, v in LABEL2ID.items()}, f, protocol=4)
except ImportError:
    pass
