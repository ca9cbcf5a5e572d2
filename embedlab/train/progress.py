"""Progress of a training run: events for the caller, and the tracker trainers report to.

A trainer calls `vocab_done` once, `epoch_done` after each epoch (and `within_epoch`
if it can say more); `train` calls `done`. Each call sends one `ProgressEvent` to the
caller's callback. Word counts are raw corpus words, so `fraction` reaches exactly 1.

An epoch can carry a quality score besides its loss (the gensim trainers send the
co-occurrence AUC of `embedlab.train.quality`: 0.5 for random vectors, rising towards 1
while the model learns) and what the score cost in seconds. A trainer whose loss needs a
caveat sets `loss_label`, which every event then carries.

>>> events = []
>>> tracker = ProgressTracker(epochs=2, on_progress=events.append)
>>> _ = tracker.vocab_done(corpus_words=1000)
>>> _ = tracker.epoch_done(loss=3.5, quality=0.61, quality_seconds=0.01)
>>> _ = tracker.epoch_done(loss=2.5, quality=0.74, quality_seconds=0.01)
>>> _ = tracker.done()
>>> [(e.stage, e.epoch, e.words_done, e.fraction) for e in events]
[('vocab', 0, 0, 0.0), ('epoch', 1, 1000, 0.5), ('epoch', 2, 2000, 1.0), ('done', 2, 2000, 1.0)]
>>> tracker.epoch_losses, tracker.epoch_quality, events[-1].quality
([3.5, 2.5], [0.61, 0.74], 0.74)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

Stage = Literal["vocab", "epoch", "done"]


@dataclass(frozen=True)
class ProgressEvent:
    """Where a training run stands.

    `epoch` counts finished epochs (0 while the vocabulary is built). `words_done` and
    `total_words` count raw corpus words (`total_words` = corpus words × epochs).
    `elapsed` runs from the start of the `train` call (vocabulary scan included);
    `words_per_sec` and `eta` use the training time only. `loss` is the loss of the
    epoch just finished, or None where the trainer reports none; `loss_label` says what
    that number is when it needs saying (None: a plain training loss). `quality` is the
    epoch's quality score (higher is better; see `embedlab.train.quality`) or None, and
    `quality_seconds` what computing it took.

    >>> event = ProgressEvent("epoch", 1, 4, 250, 1000, 2.0, 250.0, 3.0, None)
    >>> event.fraction, event.to_dict()["eta"], event.quality
    (0.25, 3.0, None)
    """

    stage: Stage
    epoch: int
    epochs: int
    words_done: int
    total_words: int
    elapsed: float
    words_per_sec: float
    eta: float | None
    loss: float | None
    quality: float | None = None
    quality_seconds: float | None = None
    loss_label: str | None = None

    @property
    def fraction(self) -> float:
        """The share of the run done, from 0 to 1."""
        if self.stage == "done":
            return 1.0
        if self.total_words <= 0:
            return 0.0
        return min(1.0, self.words_done / self.total_words)

    def to_dict(self) -> dict[str, Any]:
        """The fields and `fraction`, as a plain dict (for JSON or a catalog row)."""
        return {**asdict(self), "fraction": self.fraction}


ProgressCallback = Callable[[ProgressEvent], None]


class ProgressTracker:
    """Times a run and turns a trainer's milestones into events for `on_progress`.

    An exception raised by `on_progress` propagates to the trainer, which lets it
    through: that is how a caller cancels a run.

    >>> tracker = ProgressTracker(epochs=1)
    >>> tracker.vocab_done(corpus_words=500).stage
    'vocab'
    >>> tracker.within_epoch(250).words_done
    250
    """

    def __init__(
        self,
        epochs: int,
        on_progress: ProgressCallback | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.epochs = epochs
        self.on_progress = on_progress
        self.corpus_words = 0
        self.epochs_done = 0
        self.epoch_losses: list[float] = []
        self.epoch_quality: list[float] = []
        self.quality_seconds = 0.0
        """Seconds spent on quality scores (drawing the sample included); they are part of
        the vocabulary and training seconds, not on top of them."""
        self.loss_label: str | None = None
        self._clock = clock
        self._start = clock()
        self._train_start: float | None = None
        self._last_epoch_end: float | None = None
        self._train_end: float | None = None
        self._end: float | None = None
        self._words_done = 0.0

    @property
    def total_words(self) -> int:
        return self.corpus_words * self.epochs

    @property
    def vocab_seconds(self) -> float:
        """Seconds from the start to `vocab_done` (the vocabulary scan)."""
        if self._train_start is None:
            return self._now() - self._start
        return self._train_start - self._start

    @property
    def train_seconds(self) -> float:
        """Seconds from `vocab_done` to the last epoch's end (or now, while running)."""
        if self._train_start is None:
            return 0.0
        end = self._train_end if self._train_end is not None else self._now()
        return max(end - self._train_start, 0.0)

    @property
    def total_seconds(self) -> float:
        return self._now() - self._start

    @property
    def words_per_sec(self) -> float:
        """Raw corpus words trained per second of training so far."""
        seconds = self.train_seconds
        return self._words_done / seconds if seconds > 0 else 0.0

    def timings(self) -> dict[str, float]:
        """vocab, train and total seconds, for a model's meta."""
        return {
            "vocab_seconds": self.vocab_seconds,
            "train_seconds": self.train_seconds,
            "total_seconds": self.total_seconds,
        }

    def vocab_done(self, corpus_words: int) -> ProgressEvent:
        """The vocabulary is built: training starts now on `corpus_words` words per epoch."""
        self.corpus_words = int(corpus_words)
        self._train_start = self._clock()
        return self._emit("vocab", loss=None)

    def within_epoch(self, words_in_epoch: float, loss: float | None = None) -> ProgressEvent:
        """Part of the current epoch is done (for trainers that can tell)."""
        words = min(max(float(words_in_epoch), 0.0), float(self.corpus_words))
        self._words_done = self.corpus_words * self.epochs_done + words
        return self._emit("epoch", loss=loss)

    def epoch_done(
        self,
        loss: float | None = None,
        quality: float | None = None,
        quality_seconds: float | None = None,
    ) -> ProgressEvent:
        """One more epoch is done; `loss` is its loss, or None if the trainer has none;
        `quality` its quality score, computed in `quality_seconds`."""
        self.epochs_done += 1
        self._words_done = float(self.corpus_words * self.epochs_done)
        self._last_epoch_end = self._clock()
        if loss is not None:
            self.epoch_losses.append(float(loss))
        if quality is not None:
            self.epoch_quality.append(float(quality))
        if quality_seconds is not None:
            self.quality_seconds += float(quality_seconds)
        return self._emit("epoch", loss=loss, quality=quality, quality_seconds=quality_seconds)

    def done(self) -> ProgressEvent:
        """The run is over: the final event."""
        self._end = self._clock()
        self._train_end = self._last_epoch_end if self._last_epoch_end is not None else self._end
        last = self.epoch_losses[-1] if self.epoch_losses else None
        quality = self.epoch_quality[-1] if self.epoch_quality else None
        return self._emit("done", loss=last, quality=quality)

    def _now(self) -> float:
        return self._end if self._end is not None else self._clock()

    def _emit(
        self,
        stage: Stage,
        loss: float | None,
        quality: float | None = None,
        quality_seconds: float | None = None,
    ) -> ProgressEvent:
        rate = self.words_per_sec
        left = max(self.total_words - self._words_done, 0.0)
        if stage == "done":
            eta: float | None = 0.0
        else:
            eta = left / rate if rate > 0 else None
        event = ProgressEvent(
            stage=stage,
            epoch=self.epochs_done,
            epochs=self.epochs,
            words_done=int(self._words_done),
            total_words=self.total_words,
            elapsed=self._now() - self._start,
            words_per_sec=rate,
            eta=eta,
            loss=loss,
            quality=quality,
            quality_seconds=quality_seconds,
            loss_label=self.loss_label,
        )
        if self.on_progress is not None:
            self.on_progress(event)
        return event
