"""sgns's CPU steps as compiled loops (numba), with the torch steps' minibatch semantics.

The torch steps in `sgns.py` materialise batch-sized intermediates and spend most of a CPU
step moving them through memory; these kernels do the same work centre by centre, in
cache, and keep the torch steps' meaning for a batch:

1. skip-gram (HogBatch, Ji et al. 2016; BlazingText's batch_skipgram): a centre's context
   words all predict it against one shared draw of k negatives, so a centre is a small
   dense product, (contexts × d) · (d × (1 + k)). CBOW: the mean of the context vectors
   predicts the centre against k negatives;
2. every centre of a batch is scored against the parameters as they were before the
   batch; the errors ``g = (label - sigmoid(u.h)) * lr`` give both sides' gradients
   (summed over the block, not averaged), kept in small buffers;
3. after the batch, the output rows and the input rows take their gradients.

With one thread the batches run in order, so a run is bit-reproducible and matches the
torch steps (and a CUDA run of the same seed) up to floating-point rounding. With T
threads, thread t takes batches t, t+T, t+2T, ... and the threads update the shared
matrices without locks, as word2vec.c and gensim do (Hogwild): no thread waits for
another inside a call, so a busy machine slows a run down instead of stalling it, but runs
are no longer bit-reproducible. One call trains many batches, so Python is not in the
inner loop.

numba compiles these on first use (seconds; cached on disk afterwards). When numba is
missing, `sgns.py` uses its torch steps.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> w_in = (rng.random((5, 4), dtype=np.float32) - 0.5) / 4
>>> w_out = np.zeros((5, 4), dtype=np.float32)
>>> context = np.array([[0, 2], [1, 1]], dtype=np.int32)  # two centres, 2 slots each
>>> valid = np.array([[True, True], [True, False]])
>>> centres = np.array([1, 2], dtype=np.int32)
>>> from embedlab.train.sgns import alias_table
>>> tables = alias_table(np.array([0, 0, 0, 0.5, 0.5]))  # noise: words 3 and 4 only
>>> noise = (*tables, np.uint64(7), 0, 2)
>>> loss = skipgram_blocks(w_in, w_out, context, valid, centres, noise, np.array([0, 2]),
...                        np.array([0.025], dtype=np.float32), 1)
>>> round(loss, 4)  # 3 context words × 3 targets, scores of 0 (w_out starts at 0): 9 log 2
6.2383
>>> bool(np.abs(w_out[1:]).sum() > 0), bool(np.abs(w_out[0]).sum() == 0)
(True, True)
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_FLAGS = {"cache": True, "nogil": True, "fastmath": True, "error_model": "numpy"}
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_DROP = np.uint64(64 - 53)
_ALIAS_BITS = np.uint64(21)  # as sgns.ALIAS_BITS
_ALIAS_MASK = np.uint64((1 << 21) - 1)
_COLUMN_SHIFT = np.uint64(53 - 21)


@njit(**_FLAGS)
def random_bits_at(key: np.uint64, i: np.uint64) -> np.uint64:
    """Draw `i` of stream `key`, the same number as `sgns.random_bits(key, i, 1)`."""
    z = key + (i + np.uint64(1)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return (z ^ (z >> np.uint64(31))) >> _DROP


@njit(**_FLAGS)
def _score(hidden: np.ndarray, w_out: np.ndarray, target: int, label: float, lr: float):
    """(g, loss) for one (hidden, target) score: one exp and one log, in float32."""
    s = np.float32(0.0)
    row = w_out[target]
    for c in range(hidden.shape[0]):
        s += hidden[c] * row[c]
    s = min(max(s, np.float32(-30.0)), np.float32(30.0))
    e = np.exp(-s)  # sigmoid(s) = 1 / (1 + e); -log sigmoid(s) = log1p(e)
    loss = np.log1p(e) if label > 0 else np.log1p(e) + s
    return np.float32((label - np.float32(1.0) / (np.float32(1.0) + e)) * lr), loss


@njit(**_FLAGS)
def _negatives_of(
    accept: np.ndarray, alias: np.ndarray, key: np.uint64, example: int, out: np.ndarray
) -> None:
    """The negatives of one example, as `sgns._Model._negatives` draws them: draw
    ``example·k + j`` of stream `key`, through the alias tables (`sgns.alias_draws`)."""
    k, n = out.shape[0], np.uint64(accept.shape[0])
    for j in range(k):
        r = random_bits_at(key, np.uint64(example * k + j))
        column = ((r >> _ALIAS_BITS) * n) >> _COLUMN_SHIFT
        keep = np.int64(r & _ALIAS_MASK) < accept[column]
        out[j] = column if keep else alias[column]


@njit(**_FLAGS)
def _score_pair(
    h: np.ndarray,
    w_out: np.ndarray,
    output: int,
    negatives: np.ndarray,
    lr: float,
    g: np.ndarray,
    grad: np.ndarray,
) -> float:
    """Errors of one input against its target and negatives into `g`, the input's gradient
    into `grad` (both from the parameters as they are); returns the loss."""
    grad[:] = 0.0
    total = 0.0
    for j in range(negatives.shape[0] + 1):
        target = output if j == 0 else negatives[j - 1]
        if j > 0 and target == output:
            g[j] = 0.0
            continue
        gj, loss = _score(h, w_out, target, 1.0 if j == 0 else 0.0, lr)
        g[j] = gj
        total += loss
        row = w_out[target]
        for c in range(h.shape[0]):
            grad[c] += gj * row[c]
    return total


@njit(**_FLAGS)
def _batch(
    w_in: np.ndarray,
    w_out: np.ndarray,
    hidden: np.ndarray,  # n × d: the batch's input vectors, from before the batch
    outputs: np.ndarray,
    noise: tuple,
    start: int,  # the chunk-wide index of the batch's first example
    lr: float,
    scratch: tuple,
) -> float:
    """Score a batch, then update its output rows; returns the loss. The input side's
    gradient is left in ``scratch[0]`` (n × d) for the caller to add where it belongs."""
    accept, alias, key, k = noise
    grad, g, negatives = scratch
    total = 0.0
    for i in range(hidden.shape[0]):
        _negatives_of(accept, alias, key, start + i, negatives[i])
        total += _score_pair(hidden[i], w_out, outputs[i], negatives[i], lr, g[i], grad[i])
    for i in range(hidden.shape[0]):
        for j in range(k + 1):
            gij = g[i, j]
            if gij != 0.0:
                row = w_out[outputs[i] if j == 0 else negatives[i, j - 1]]
                for c in range(row.shape[0]):
                    row[c] += gij * hidden[i, c]
    return total


@njit(**_FLAGS)
def _scratch(most: int, d: int, k: int) -> tuple:
    return (
        np.empty((most, d), dtype=np.float32),
        np.empty((most, k + 1), dtype=np.float32),
        np.empty((most, k), dtype=np.int64),
    )


@njit(inline="always", **_FLAGS)
def _centre_block(
    w_in: np.ndarray,
    w_out: np.ndarray,
    context: np.ndarray,  # 2·window word ids around the centre
    valid: np.ndarray,  # which of them are in its window
    centre: int,
    negatives: np.ndarray,  # k negatives, shared by the centre's context words
    lr: float,
    grad_in: np.ndarray,  # out: 2·window × d, the context rows' gradients
    grad_out: np.ndarray,  # out: (1 + k) × d, the target rows' gradients
    g: np.ndarray,  # scratch: 2·window × (1 + k), the errors
) -> float:
    """One centre's block, HogBatch style: every context word scores the centre and the
    same negatives (a (contexts × d) · (d × targets) product); the gradients of both sides
    go to the buffers (from the parameters as they are); returns the summed loss.

    Three passes, each an inner loop over d with one store (so it vectorises): the scores
    and errors, then ``grad_in = g · U``, then ``grad_out = gᵀ · H``. The loss costs one
    multiply per score: -log sigmoid(±s) = log(1 + e) (+ s for a negative) with e = exp(-s),
    already computed for the sigmoid, so the block multiplies the (1 + e) in float64 and
    takes one log at the end (flushed before it could overflow), not a log1p per score.
    """
    k, d, span = negatives.shape[0], w_in.shape[1], context.shape[0]
    one = np.float32(1.0)
    product, total = 1.0, 0.0
    for s in range(span):
        if not valid[s]:
            continue
        h = context[s]
        for j in range(k + 1):
            target = centre if j == 0 else negatives[j - 1]
            if j > 0 and target == centre:
                g[s, j] = 0.0
                continue
            score = np.float32(0.0)
            for c in range(d):
                score += w_in[h, c] * w_out[target, c]
            score = min(max(score, np.float32(-30.0)), np.float32(30.0))
            e = np.exp(-score)  # sigmoid(s) = 1 / (1 + e)
            product *= 1.0 + e
            if j == 0:
                g[s, j] = (one - one / (one + e)) * lr
            else:
                g[s, j] = -one / (one + e) * lr
                total += score
            if product > 1e280:  # each factor is below 1e14: flush long before inf
                total += np.log(product)
                product = 1.0
    for s in range(span):
        for c in range(d):
            grad_in[s, c] = 0.0
        if not valid[s]:
            continue
        for j in range(k + 1):
            gj = g[s, j]
            if gj != 0.0:
                target = centre if j == 0 else negatives[j - 1]
                for c in range(d):
                    grad_in[s, c] += gj * w_out[target, c]
    for j in range(k + 1):
        for c in range(d):
            grad_out[j, c] = 0.0
        for s in range(span):
            if valid[s]:
                gj, h = g[s, j], context[s]
                if gj != 0.0:
                    for c in range(d):
                        grad_out[j, c] += gj * w_in[h, c]
    return total + np.log(product)


@njit(parallel=True, **_FLAGS)
def skipgram_blocks(
    w_in: np.ndarray,
    w_out: np.ndarray,
    context: np.ndarray,  # N × 2·window word ids
    valid: np.ndarray,  # N × 2·window booleans
    centres: np.ndarray,  # N centre words
    noise: tuple,
    bounds: np.ndarray,
    lrs: np.ndarray,
    threads: int,
) -> float:
    """Train skip-gram on centres ``bounds[b]:bounds[b+1]`` with rate ``lrs[b]``; the loss sum.

    Each centre's context words predict it against one shared draw of negatives (draw
    ``centre·k + j``, as CBOW's); a batch of centres is scored against the parameters from
    before the batch, then its gradients are added (summed, not averaged), as the torch
    steps do. `noise` is ``(accept, alias, key, first, k)``: the noise distribution's alias
    tables (`sgns.alias_table`), the negatives' stream, the chunk-wide index of the first
    centre and the negatives per centre. `threads` share the batches (see the module's docstring).
    """
    total = 0.0
    for t in prange(threads):
        total += _skipgram_share(
            w_in, w_out, context, valid, centres, noise, bounds, lrs, t, threads
        )
    return total


@njit(**_FLAGS)
def _skipgram_share(
    w_in: np.ndarray,
    w_out: np.ndarray,
    context: np.ndarray,
    valid: np.ndarray,
    centres: np.ndarray,
    noise: tuple,
    bounds: np.ndarray,
    lrs: np.ndarray,
    t: int,
    threads: int,
) -> float:
    """Thread `t`'s share of `skipgram_blocks`: batches t, t + threads, ...; its loss sum.
    (Its own function, so that `_centre_block` is inlined here and not in a parallel loop.)"""
    accept, alias, key, first, k = noise
    d, span, batches = w_in.shape[1], context.shape[1], lrs.shape[0]
    most = int(np.max(bounds[1:] - bounds[:-1]))
    grad_in = np.empty((most, span, d), dtype=np.float32)
    grad_out = np.empty((most, k + 1, d), dtype=np.float32)
    negatives = np.empty((most, k), dtype=np.int64)
    g = np.empty((span, k + 1), dtype=np.float32)
    total = 0.0
    for b in range(t, batches, threads):
        lo, hi = bounds[b], bounds[b + 1]
        for i in range(hi - lo):
            e = lo + i
            _negatives_of(accept, alias, key, first + e, negatives[i])
            total += _centre_block(
                w_in, w_out, context[e], valid[e], centres[e], negatives[i], lrs[b],
                grad_in[i], grad_out[i], g,
            )  # fmt: skip
        for i in range(hi - lo):
            e = lo + i
            for s in range(span):
                if valid[e, s]:
                    h = context[e, s]
                    for c in range(d):
                        w_in[h, c] += grad_in[i, s, c]
            for j in range(k + 1):
                target = centres[e] if j == 0 else negatives[i, j - 1]
                if j > 0 and target == centres[e]:
                    continue
                for c in range(d):
                    w_out[target, c] += grad_out[i, j, c]
    return total


@njit(parallel=True, **_FLAGS)
def cbow_batches(
    w_in: np.ndarray,
    w_out: np.ndarray,
    context: np.ndarray,  # N × 2·window word ids
    valid: np.ndarray,  # N × 2·window booleans
    outputs: np.ndarray,
    noise: tuple,
    bounds: np.ndarray,
    lrs: np.ndarray,
    threads: int,
) -> float:
    """Train CBOW (mean of the context) on centres ``bounds[b]:bounds[b+1]``; the loss sum.

    Every valid context word takes the whole input gradient, as gensim's ``cbow_mean=1``;
    `noise` and `threads` as for `skipgram_blocks`.
    """
    accept, alias, key, first, k = noise
    d, span, batches = w_in.shape[1], context.shape[1], lrs.shape[0]
    most = int(np.max(bounds[1:] - bounds[:-1]))
    total = 0.0
    for t in prange(threads):
        grad, g, negatives = _scratch(most, d, k)
        hidden = np.empty((most, d), dtype=np.float32)
        for b in range(t, batches, threads):
            lo, hi = bounds[b], bounds[b + 1]
            n = hi - lo
            for i in range(n):
                hidden[i] = 0.0
                count = 0
                for j in range(span):
                    if valid[lo + i, j]:
                        hidden[i] += w_in[context[lo + i, j]]
                        count += 1
                hidden[i] /= max(count, 1)
            total += _batch(
                w_in,
                w_out,
                hidden[:n],
                outputs[lo:hi],
                (accept, alias, key, k),
                first + lo,
                lrs[b],
                (grad, g, negatives),
            )
            for i in range(n):
                for j in range(span):
                    if valid[lo + i, j]:
                        row, src = w_in[context[lo + i, j]], grad[i]
                        for c in range(d):
                            row[c] += src[c]
    return total


# --- examples of one chunk, as `sgns._Model.train_chunk` builds them with tensor ops ----------
@njit(**_FLAGS)
def _subsample(
    ids: np.ndarray, lengths: np.ndarray, keep: np.ndarray, key: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """The kept word ids and their sentence numbers (draw i decides token i)."""
    kept = np.empty(ids.shape[0], dtype=np.int64)
    sentence = np.empty(ids.shape[0], dtype=np.int64)
    m = i = 0
    for s in range(lengths.shape[0]):
        for _ in range(lengths[s]):
            if np.int64(random_bits_at(key, np.uint64(i))) < keep[ids[i]]:
                kept[m], sentence[m] = ids[i], s
                m += 1
            i += 1
    return kept[:m], sentence[:m]


@njit(**_FLAGS)
def _shuffled(key: np.uint64, n: int) -> np.ndarray:
    """The order that sorts draws 0..n-1 of stream `key` (torch.argsort's on the same draws;
    53-bit draws tie about once in 10**4 chunks of a million, and only then may they differ).

    A least-significant-digit radix sort, five passes of 11 bits, keys moved with the
    indices: linear in n, several times faster than a comparison sort."""
    keys = np.empty(n, dtype=np.uint64)
    order = np.arange(n)
    for i in range(n):
        keys[i] = random_bits_at(key, np.uint64(i))
    keys_to, order_to = np.empty_like(keys), np.empty_like(order)
    mask = np.uint64(2047)
    for p in range(5):
        shift = np.uint64(11 * p)
        starts = np.zeros(2049, dtype=np.int64)
        for i in range(n):
            starts[np.int64((keys[i] >> shift) & mask) + 1] += 1
        for b in range(2048):
            starts[b + 1] += starts[b]
        for i in range(n):
            digit = np.int64((keys[i] >> shift) & mask)
            at = starts[digit]
            keys_to[at], order_to[at] = keys[i], order[i]
            starts[digit] = at + 1
        keys, keys_to = keys_to, keys
        order, order_to = order_to, order
    return order


@njit(**_FLAGS)
def centre_examples(
    ids: np.ndarray, lengths: np.ndarray, keep: np.ndarray, keys: tuple, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled (context, valid, centre) rows of a chunk, one per centre (CBOW's examples and
    skip-gram's blocks): context holds the words at offsets -window..-1, 1..window, valid
    marks those inside the drawn window and the sentence; centres without context are
    dropped. (A centre has context exactly when a neighbour is in its sentence, as every
    drawn window reaches 1; so the rows are filled straight in shuffled order.)"""
    keep_key, window_key, shuffle_key = keys
    words, sentence = _subsample(ids, lengths, keep, keep_key)
    m, span = words.shape[0], 2 * window
    has = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        has[i] = (i > 0 and sentence[i - 1] == sentence[i]) or (
            i + 1 < m and sentence[i + 1] == sentence[i]
        )
    rows = np.nonzero(has)[0]
    order = rows[_shuffled(shuffle_key, rows.shape[0])]
    context = np.zeros((order.shape[0], span), dtype=np.int32)
    valid = np.zeros((order.shape[0], span), dtype=np.bool_)
    centres = np.empty(order.shape[0], dtype=np.int32)
    _fill_rows(words, sentence, order, window_key, window, context, valid, centres)
    return context, valid, centres


@njit(parallel=True, **_FLAGS)
def _fill_rows(
    words: np.ndarray,
    sentence: np.ndarray,
    order: np.ndarray,
    window_key: np.uint64,
    window: int,
    context: np.ndarray,
    valid: np.ndarray,
    centres: np.ndarray,
) -> None:
    """Row r of the examples is centre ``order[r]``: its word, context words and window."""
    m, span = words.shape[0], 2 * window
    for r in prange(order.shape[0]):
        i = order[r]
        centres[r] = words[i]
        reach = 1 + np.int64(random_bits_at(window_key, np.uint64(i)) % np.uint64(window))
        for j in range(span):
            offset = j - window if j < window else j - window + 1
            p = i + offset
            if 0 <= p < m:
                context[r, j] = words[p]
                valid[r, j] = abs(offset) <= reach and sentence[p] == sentence[i]
