"""Exact top-k search over a vector matrix, in row chunks, on the chosen torch device.

The matrix is uploaded to the device once per `ExactIndex` and scanned in chunks of
`chunk_rows`, so a large vocabulary never needs an n × q score matrix in memory. Many
queries are answered in one pass (the analogy benchmark sends thousands at once).

>>> import numpy as np
>>> index = ExactIndex(np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32), device="cpu")
>>> ids, scores = index.search(np.array([[1, 0.1]], dtype=np.float32), k=2)
>>> ids.tolist()
[[0, 2]]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from embedlab.device import resolve_device
from embedlab.errors import InputError

if TYPE_CHECKING:
    import torch

Metric = Literal["cosine", "euclidean"]
METRICS: tuple[str, ...] = ("cosine", "euclidean")
# Scores for the rows of one chunk: (unit rows, raw rows, squared norms) -> queries × rows.
SCORE_BUDGET = 2**25
ScoreFn = Callable[["torch.Tensor", "torch.Tensor", "torch.Tensor"], "torch.Tensor"]


class ExactIndex:
    """Brute-force cosine or euclidean search, exact, batched over rows and queries.

    >>> import numpy as np
    >>> index = ExactIndex(np.eye(3, dtype=np.float32), device="cpu")
    >>> index.search(np.eye(3, dtype=np.float32)[:1], k=1, metric="euclidean")[1].tolist()
    [[0.0]]
    """

    def __init__(self, vectors: np.ndarray, device: str | None = None, chunk_rows: int = 131072):
        import torch

        self.device = resolve_device(device)
        self.chunk_rows = int(chunk_rows)
        raw = torch.from_numpy(np.array(vectors, dtype=np.float32, copy=True)).to(self.device)
        self._raw = raw
        self._sq = (raw * raw).sum(dim=1)
        norms = self._sq.sqrt().clamp_min(1e-12)
        self._unit = raw / norms[:, None]

    def __len__(self) -> int:
        return int(self._raw.shape[0])

    def search(
        self,
        queries: np.ndarray,
        k: int,
        metric: Metric = "cosine",
        exclude: Sequence[Collection[int]] | None = None,
        restrict: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k row ids and scores for each query row.

        Cosine scores are similarities (higher is closer); euclidean scores are distances
        (lower is closer). `exclude[i]` holds row ids that query i must not return;
        `restrict` keeps only the first `restrict` rows.
        """
        import torch

        if metric not in METRICS:
            raise InputError(f"Unknown metric '{metric}'; choose cosine or euclidean.")
        q = torch.from_numpy(np.array(np.atleast_2d(queries), dtype=np.float32, copy=True))
        q = q.to(self.device)
        if q.shape[1] != self._raw.shape[1]:
            raise InputError(
                f"The query has {q.shape[1]} dimensions but the model has {self._raw.shape[1]}; "
                "use a vector from the same model."
            )
        if metric == "cosine":
            q_unit = q / q.norm(dim=1, keepdim=True).clamp_min(1e-12)

            def score(unit: torch.Tensor, raw: torch.Tensor, sq: torch.Tensor) -> torch.Tensor:
                return q_unit @ unit.T

        else:
            q_sq = (q * q).sum(dim=1)

            def score(unit: torch.Tensor, raw: torch.Tensor, sq: torch.Tensor) -> torch.Tensor:
                dist2 = sq[None, :] - 2.0 * (q @ raw.T) + q_sq[:, None]
                return -dist2.clamp_min(0.0).sqrt()

        ids, scores = self.top_by(
            score, n_queries=q.shape[0], k=k, exclude=exclude, restrict=restrict
        )
        if metric == "euclidean":
            scores = -scores
        return ids, scores

    def top_by(
        self,
        score: ScoreFn,
        n_queries: int,
        k: int,
        exclude: Sequence[Collection[int]] | None = None,
        restrict: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by any score (higher is better) computed chunk by chunk.

        `score` maps (unit rows, raw rows, squared norms) of a chunk to a queries × rows
        tensor. Chunks shrink as queries grow, so one chunk's scores stay near
        `SCORE_BUDGET` floats (128 MiB) however many queries come at once.
        """
        import torch

        n = len(self) if restrict is None else max(0, min(int(restrict), len(self)))
        k = max(0, min(int(k), n))
        best_s = torch.full((n_queries, 0), float("-inf"), device=self.device)
        best_i = torch.zeros((n_queries, 0), dtype=torch.long, device=self.device)
        if k == 0:
            return best_i.cpu().numpy(), best_s.cpu().numpy()
        step = max(1024, min(self.chunk_rows, SCORE_BUDGET // max(1, n_queries)))
        for start in range(0, n, step):
            stop = min(n, start + step)
            chunk = score(self._unit[start:stop], self._raw[start:stop], self._sq[start:stop])
            if exclude is not None:
                _mask(chunk, exclude, start, stop)
            s, i = chunk.topk(min(k, stop - start), dim=1)
            best_s = torch.cat([best_s, s], dim=1)
            best_i = torch.cat([best_i, i + start], dim=1)
            best_s, order = best_s.topk(min(k, best_s.shape[1]), dim=1)
            best_i = best_i.gather(1, order)
        return best_i.cpu().numpy(), best_s.float().cpu().numpy()

    def rows(self, ids: Sequence[int], unit: bool = True) -> torch.Tensor:
        """Rows by id, as a tensor on the index's device."""
        import torch

        idx = torch.as_tensor(list(ids), dtype=torch.long, device=self.device)
        return (self._unit if unit else self._raw).index_select(0, idx)


def _mask(chunk: torch.Tensor, exclude: Sequence[Collection[int]], start: int, stop: int) -> None:
    """Set excluded (query, row) pairs that fall inside [start, stop) to -inf, in place."""
    import torch

    qs: list[int] = []
    rs: list[int] = []
    for qi, rows in enumerate(exclude):
        for r in rows:
            if start <= r < stop:
                qs.append(qi)
                rs.append(r - start)
    if qs:
        chunk[
            torch.as_tensor(qs, device=chunk.device), torch.as_tensor(rs, device=chunk.device)
        ] = float("-inf")
