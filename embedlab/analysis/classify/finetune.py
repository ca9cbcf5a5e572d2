"""The all-MiniLM-L6-v2 encoder fine-tuned end to end with a linear classification head.

`EncoderClassifier` follows scikit-learn's classifier contract on lists of texts, like
`heads.TorchBagClassifier`: a fresh copy of the encoder (read offline from its installed
package, never the shared one `encoders.load_encoder` keeps) is mean-pooled into a linear
layer, and both train with AdamW (a small learning rate for the encoder, a larger one for
the head, linear warm-up then decay) on texts cut at `max_length` word pieces. A stratified
validation split of the training texts is scored twice an epoch; training stops after
`patience` scores without a better validation loss and keeps the best weights. The
word-piece embedding table stays frozen (see `fit`); every transformer layer trains.

Before the first epoch it times a few real training batches and reports an estimate
(tokens to train × seconds per token measured on this machine); every progress event after
says how long is left. Each event goes to `on_epoch`, so a caller that raises there (a
cancelled job) stops the training at its next report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import InputError

if TYPE_CHECKING:
    import torch

EpochCallback = Callable[[dict[str, Any]], None]

MAX_LENGTH = 64
"""Word pieces per text by default (the encoder reads up to 256; sentences rarely need more)."""
MAX_EPOCHS = 1
"""Epochs at most: one pass over the training texts. On sentence polarity it gave 5.9 points
over the frozen encoder (`bench/classify.py --finetune --ft-epochs 1`); a second pass did not
fit in 15 minutes on 2 cores."""
ENCODER_LR = 3e-5
HEAD_LR = 1e-3
BATCH_SIZE = 32
EVALS_PER_EPOCH = 2
CALIBRATION_BATCHES = 3
REPORT_SECONDS = 2.0  # a progress event (and a chance to cancel) at least this often


def _classifier_bases() -> tuple[type, type]:
    from sklearn.base import BaseEstimator, ClassifierMixin

    return ClassifierMixin, BaseEstimator


def load_parts(encoder: str = "minilm") -> tuple[Any, Any]:
    """(tokenizer, transformer) of the encoder: a new, trainable copy, read offline."""
    from embedlab.analysis.encoders import model_path

    path = model_path(encoder)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return AutoTokenizer.from_pretrained(str(path)), AutoModel.from_pretrained(str(path))
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def _minutes(seconds: float) -> str:
    """A duration in words.

    >>> _minutes(42), _minutes(200)
    ('42 s', '3.3 min')
    """
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


class EncoderClassifier(*_classifier_bases()):  # type: ignore[misc]
    """all-MiniLM-L6-v2 → mean of its token states → linear layer, all trained together.

    After `fit`: `classes_`, `history_` (one dict per validation score: epoch, step, loss,
    val_loss, val_accuracy), `best_step_`, `stopped_early_`, `estimate_` (the seconds the
    training was expected to take, from `tokens_per_second_` measured on its first batches)
    and `initial_weights_`/`weight_change_` (the encoder's L2 change, for tests).
    """

    def __init__(
        self,
        max_length: int = MAX_LENGTH,
        epochs: int = MAX_EPOCHS,
        patience: int = 2,
        val_size: float = 0.1,
        lr: float = ENCODER_LR,
        head_lr: float = HEAD_LR,
        batch_size: int = BATCH_SIZE,
        device: str = "cpu",
        seed: int = 0,
        max_steps: int | None = None,
        on_epoch: EpochCallback | None = None,
    ) -> None:
        self.max_length = max_length
        self.epochs = epochs
        self.patience = patience
        self.val_size = val_size
        self.lr = lr
        self.head_lr = head_lr
        self.batch_size = batch_size
        self.device = device
        self.seed = seed
        self.max_steps = max_steps
        self.on_epoch = on_epoch

    # --- checks and data -----------------------------------------------------------------
    def _validate_parameters(self) -> None:
        checks = (
            ("max_length", self.max_length, 8, 512),
            ("epochs", self.epochs, 1, 100),
            ("patience", self.patience, 1, 100),
            ("batch_size", self.batch_size, 1, 4096),
        )
        for name, value, low, high in checks:
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InputError(
                    f"{name} must be a whole number from {low} to {high}; got {value!r}."
                )
        if not 0 < float(self.val_size) < 1:
            raise InputError(f"val_size must be between 0 and 1; got {self.val_size!r}.")
        if not (float(self.lr) > 0 and float(self.head_lr) > 0):
            raise InputError(f"Learning rates must be above 0; got {self.lr!r}, {self.head_lr!r}.")

    def _tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        if isinstance(texts, str):
            raise InputError("Pass a list of texts, not one string.")
        if not len(texts):
            return []
        out = self.tokenizer_([str(t) for t in texts], truncation=True, max_length=self.max_length)
        return out["input_ids"]

    def _batch(self, ids: list[list[int]], rows: Sequence[int]) -> dict[str, torch.Tensor]:
        import torch

        width = max(len(ids[i]) for i in rows)
        tokens = np.full((len(rows), width), self.tokenizer_.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            tokens[r, : len(ids[i])] = ids[i]
            mask[r, : len(ids[i])] = 1
        device = torch.device(self.device)
        return {
            "input_ids": torch.from_numpy(tokens).to(device),
            "attention_mask": torch.from_numpy(mask).to(device),
        }

    def _logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.encoder_(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head_(self.dropout_(pooled))

    def _batches(self, ids: list[list[int]], rows: np.ndarray, rng: np.random.Generator) -> list:
        """Shuffled batches of texts of similar length (less padding), in shuffled order."""
        rows = rng.permutation(rows)
        chunk = self.batch_size * 50
        batches = []
        for start in range(0, len(rows), chunk):
            part = sorted(rows[start : start + chunk], key=lambda i: len(ids[i]))
            batches += [part[k : k + self.batch_size] for k in range(0, len(part), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    # --- scikit-learn contract -----------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[Any]) -> EncoderClassifier:  # noqa: N803
        """Train on `X` (texts) and `y` (labels) with torch on every usable CPU core."""
        import torch

        self._validate_parameters()
        threads = torch.get_num_threads()
        if self.device == "cpu":
            torch.set_num_threads(cpu_threads())
        try:
            return self._fit(X, y)
        finally:
            torch.set_num_threads(threads)

    def _fit(self, X: Sequence[str], y: Sequence[Any]) -> EncoderClassifier:  # noqa: N803, PLR0915
        import torch

        from embedlab.analysis.classify.heads import validation_split

        if isinstance(X, str):
            raise InputError("Pass a list of texts, not one string.")
        self.classes_, target, train_rows, val_rows = validation_split(
            X, y, self.val_size, self.seed
        )
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.tokenizer_, encoder = load_parts()
        device = torch.device(self.device)
        self.encoder_ = encoder.to(device)
        # The word-piece table (half the weights) stays as it is: moving it on a few thousand
        # sentences gains little and its dense gradient and AdamW update cost a fifth of the
        # CPU time of a step. Positions, every layer and the head train.
        self.encoder_.get_input_embeddings().weight.requires_grad_(False)
        self.head_ = torch.nn.Linear(encoder.config.hidden_size, len(self.classes_)).to(device)
        self.dropout_ = torch.nn.Dropout(0.1)
        self.initial_weights_ = self._encoder_vector()
        ids = self._tokenize(list(X))
        y_all = torch.from_numpy(target.astype(np.int64)).to(device)
        optimiser = torch.optim.AdamW(
            [
                {
                    "params": [p for p in self.encoder_.parameters() if p.requires_grad],
                    "lr": self.lr,
                },  # fmt: skip
                {"params": self.head_.parameters(), "lr": self.head_lr},
            ],
            weight_decay=0.01,
        )
        per_epoch = -(-len(train_rows) // self.batch_size)
        total = per_epoch * self.epochs
        if self.max_steps is not None:
            total = min(total, self.max_steps)
        warmup = max(1, total // 10)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser,
            lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))),
        )
        eval_every = max(1, per_epoch // EVALS_PER_EPOCH)
        train_tokens = sum(len(ids[i]) for i in train_rows)
        val_tokens = sum(len(ids[i]) for i in val_rows)
        planned_tokens = train_tokens * total / per_epoch + val_tokens * (total // eval_every) / 3
        loss_fn = torch.nn.CrossEntropyLoss()
        self.history_: list[dict[str, Any]] = []
        self.tokens_per_second_, self.estimate_ = 0.0, 0.0
        best_loss, best_state, best_step, waited = np.inf, None, 0, 0
        step, seen_tokens, running, last_report = 0, 0, [], time.perf_counter()
        timed_tokens, timed_seconds, started = 0, 0.0, time.perf_counter()
        stop = False
        for _epoch in range(self.epochs):
            for batch_rows in self._batches(ids, train_rows, rng):
                self.encoder_.train()
                self.dropout_.train()
                tick = time.perf_counter()
                batch = self._batch(ids, batch_rows)
                loss = loss_fn(self._logits(batch), y_all[torch.as_tensor(batch_rows)])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
                step += 1
                tokens = int(batch["attention_mask"].sum())
                seen_tokens += tokens
                running.append(float(loss.detach()))
                if 1 < step <= 1 + CALIBRATION_BATCHES:  # the first batch warms up: not timed
                    timed_tokens += tokens
                    timed_seconds += time.perf_counter() - tick
                evaluate = step % eval_every == 0 or step == total
                if not self.estimate_ and (step >= 1 + CALIBRATION_BATCHES or evaluate):
                    if not timed_tokens:  # one batch in all: time that one
                        timed_tokens, timed_seconds = tokens, time.perf_counter() - tick
                    self.tokens_per_second_ = timed_tokens / max(timed_seconds, 1e-9)
                    self.estimate_ = planned_tokens / self.tokens_per_second_
                    self._report(
                        "estimate",
                        step / per_epoch,
                        f"fine-tuning {len(train_rows):,} texts × {total / per_epoch:.3g} epochs "
                        f"({planned_tokens:,.0f} tokens at {self.tokens_per_second_:,.0f} tokens/s "
                        f"measured here): about {_minutes(self.estimate_)}",
                        estimate_seconds=self.estimate_,
                        epochs=total / per_epoch,
                    )
                left = self._left(planned_tokens, seen_tokens, started)
                if evaluate:
                    val_loss, val_acc = self._score(ids, val_rows, y_all, loss_fn)
                    event = {
                        "epoch": step / per_epoch,
                        "epochs": total / per_epoch,
                        "step": step,
                        "steps": total,
                        "loss": float(np.mean(running)),
                        "val_loss": val_loss,
                        "val_accuracy": val_acc,
                    }
                    running = []
                    self.history_.append(event)
                    if val_loss < best_loss - 1e-6:
                        best_loss, best_step, waited = val_loss, step, 0
                        best_state = self._state()
                    else:
                        waited += 1
                        stop = waited >= self.patience
                    self._report(
                        "epoch",
                        step / per_epoch,
                        f"epoch {step / per_epoch:.2f} of {total / per_epoch:.3g}: validation "
                        f"accuracy {val_acc:.1%}, loss {val_loss:.4f}; {left}",
                        **event,
                    )
                elif time.perf_counter() - last_report >= REPORT_SECONDS:
                    self._report(
                        "step",
                        step / per_epoch,
                        f"epoch {step / per_epoch:.2f} of {total / per_epoch:.3g}: loss "
                        f"{np.mean(running[-20:]):.4f}; {left}",
                        step=step,
                        steps=total,
                        epochs=total / per_epoch,
                    )
                if evaluate or time.perf_counter() - last_report >= REPORT_SECONDS:
                    last_report = time.perf_counter()
                if stop or step >= total:
                    stop = True
                    break
            if stop:
                break
        if best_state is not None:
            self.encoder_.load_state_dict(best_state[0])
            self.head_.load_state_dict(best_state[1])
        self.encoder_.eval()
        self.best_step_ = best_step
        self.stopped_early_ = step < total
        self.weight_change_ = float(np.linalg.norm(self._encoder_vector() - self.initial_weights_))
        return self

    def _left(self, planned: float, seen: int, started: float) -> str:
        if not seen:
            return "timing the first batches"
        rate = seen / max(time.perf_counter() - started, 1e-9)
        return f"about {_minutes(max(planned - seen, 0) / rate)} left"

    def _report(self, kind: str, at: float, message: str, **extra: Any) -> None:
        """Send one event: `kind` (estimate, step or epoch: a validation score), `at` (epochs
        done, fractional), the message and any other fields."""
        if self.on_epoch is not None:
            event = {"kind": kind, "epochs": self.epochs, **extra}
            self.on_epoch({**event, "epoch": at, "message": message})

    def _state(self) -> tuple[dict, dict]:
        return (
            {k: v.detach().clone() for k, v in self.encoder_.state_dict().items()},
            {k: v.detach().clone() for k, v in self.head_.state_dict().items()},
        )

    def _encoder_vector(self) -> np.ndarray:
        """A sample of the encoder's weights (every layer's first 4,096 numbers), flattened."""
        return np.concatenate(
            [p.detach().cpu().numpy().ravel()[:4096] for p in self.encoder_.parameters()]
        )

    def _score(
        self,
        ids: list[list[int]],
        rows: np.ndarray,
        y_all: torch.Tensor,
        loss_fn: Callable[..., torch.Tensor],
    ) -> tuple[float, float]:
        import torch

        logits = self._predict_logits(ids, rows)
        target = y_all[torch.as_tensor(rows)]
        return float(loss_fn(logits, target)), float((logits.argmax(1) == target).float().mean())

    def _predict_logits(self, ids: list[list[int]], rows: Sequence[int]) -> torch.Tensor:
        import torch

        self.encoder_.eval()
        order = sorted(range(len(rows)), key=lambda k: len(ids[rows[k]]))
        out = torch.zeros((len(rows), len(self.classes_)))
        with torch.inference_mode():
            for start in range(0, len(order), 128):
                part = order[start : start + 128]
                logits = self._logits(self._batch(ids, [rows[k] for k in part]))
                out[torch.as_tensor(part)] = logits.float().cpu()
        return out

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:  # noqa: N803 - sklearn
        import torch
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "head_")
        ids = self._tokenize(X)
        if not ids:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        logits = self._predict_logits(ids, list(range(len(ids))))
        return torch.softmax(logits, 1).numpy()

    def predict(self, X: Sequence[str]) -> np.ndarray:  # noqa: N803 - sklearn
        return self.classes_[self.predict_proba(X).argmax(1)]


def cpu_threads() -> int:
    """The CPU cores this process may use (torch's thread count for fine-tuning)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
