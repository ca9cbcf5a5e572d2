"""FastText subword vectors: answer out-of-vocabulary words from character n-grams.

A FastText model keeps one vector per hashed n-gram bucket; the vector of an unseen
word is the mean of its n-grams' vectors (as gensim and Facebook's fastText do).

>>> import numpy as np
>>> sub = Subwords(np.ones((10, 4), dtype=np.float32), min_n=3, max_n=4)
>>> sub.vector("cats").tolist()
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Subwords:
    """Hashed n-gram vectors (bucket × dim) and the n-gram lengths they were trained with."""

    vectors_ngrams: np.ndarray
    min_n: int
    max_n: int

    @property
    def bucket(self) -> int:
        return int(self.vectors_ngrams.shape[0])

    def vector(self, word: str) -> np.ndarray | None:
        """The mean of the word's n-gram vectors, or None when it has no n-grams."""
        from gensim.models.fasttext import ft_ngram_hashes

        if self.bucket == 0 or self.max_n < self.min_n or self.max_n <= 0:
            return None
        hashes = ft_ngram_hashes(word, self.min_n, self.max_n, self.bucket)
        if not hashes:
            return None
        return self.vectors_ngrams[np.asarray(hashes)].mean(axis=0).astype(np.float32)
