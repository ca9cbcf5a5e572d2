"""A torch classifier over word ids: an EmbeddingBag (mean) started from a model's vectors.

`TorchBagClassifier` follows scikit-learn's classifier contract on lists of texts. Its
embedding layer is a copy of a word-vector model's vectors, frozen or fine-tuned; on top
sits a linear layer or one hidden layer. It trains with Adam on the chosen device, with
early stopping on a stratified validation split carved from the training texts, and
reports each epoch (loss, validation loss and accuracy) to a callback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.analysis.classify.features import _tokens
from embedlab.errors import InputError

if TYPE_CHECKING:
    import torch

    from embedlab.embeddings import Embeddings

EpochCallback = Callable[[dict[str, Any]], None]


def _classifier_bases() -> tuple[type, type]:
    from sklearn.base import BaseEstimator, ClassifierMixin

    return ClassifierMixin, BaseEstimator


def validation_split(
    X: Sequence[str],  # noqa: N803 - scikit-learn's name
    y: Sequence[Any],
    val_size: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(classes, class index per text, training rows, validation rows) of a head's fit: the
    labels checked (as many as texts, two classes at least), the split stratified when every
    class has texts enough, else plain.

    >>> classes, target, train, val = validation_split(["a", "b", "c", "d"], [1, 0, 1, 0], 0.5, 0)
    >>> classes.tolist(), sorted([*train.tolist(), *val.tolist()])
    (['0', '1'], [0, 1, 2, 3])
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray([str(v) for v in y])
    if len(labels) != len(X):
        raise InputError(f"Got {len(X)} texts for {len(labels)} labels; they must match.")
    classes, target = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise InputError("The training texts hold one class; a classifier needs two.")
    rows = np.arange(len(labels))
    try:
        train, val = train_test_split(rows, test_size=val_size, stratify=target, random_state=seed)
    except ValueError:  # too few texts of a class to stratify: a plain split
        train, val = train_test_split(rows, test_size=val_size, random_state=seed)
    return classes, target, train, val


class TorchBagClassifier(*_classifier_bases()):  # type: ignore[misc]
    """Mean of (trainable or frozen) word vectors → linear or one hidden layer → classes.

    After `fit`: `classes_`, `history_` (one dict per epoch: epoch, loss, val_loss,
    val_accuracy), `best_epoch_` (whose weights are kept), `stopped_early_`.

    >>> import numpy as np
    >>> from embedlab.embeddings import Embeddings
    >>> emb = Embeddings(["good", "bad", "film"], np.array([[1, 0], [-1, 0], [0, 1]]))
    >>> texts = ["good film", "good", "bad film", "bad"] * 10
    >>> labels = ["pos", "pos", "neg", "neg"] * 10
    >>> head = TorchBagClassifier(emb, epochs=60, patience=60, lr=0.1).fit(texts, labels)
    >>> head.predict(["good good film", "bad film"]).tolist()
    ['pos', 'neg']
    """

    def __sklearn_clone__(self):  # noqa: ANN204 - scikit-learn's clone hook
        """A clone shares the model: an `Embeddings` is immutable, so it needs no copy."""
        return type(self)(**self.get_params(deep=False))

    def __init__(
        self,
        emb: Embeddings,
        hidden: int = 0,
        finetune: bool = False,
        epochs: int = 30,
        patience: int = 3,
        val_size: float = 0.1,
        lr: float = 0.01,
        batch_size: int = 64,
        device: str = "cpu",
        seed: int = 0,
        on_epoch: EpochCallback | None = None,
    ) -> None:
        self.emb = emb
        self.hidden = hidden
        self.finetune = finetune
        self.epochs = epochs
        self.patience = patience
        self.val_size = val_size
        self.lr = lr
        self.batch_size = batch_size
        self.device = device
        self.seed = seed
        self.on_epoch = on_epoch

    # --- data ---------------------------------------------------------------------------
    def _ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        index = self.emb.key_to_index
        return [
            np.array([index[t] for t in doc if t in index], dtype=np.int64)
            for doc in _tokens(texts)
        ]

    def _batch(self, ids: list[np.ndarray], rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        parts = [ids[i] for i in rows]
        lengths = np.array([len(p) for p in parts], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        flat = np.concatenate(parts) if lengths.sum() else np.zeros(0, dtype=np.int64)
        device = torch.device(self.device)
        return (
            torch.from_numpy(flat).to(device),
            torch.from_numpy(offsets.astype(np.int64)).to(device),
        )

    def _network(self, n_classes: int) -> torch.nn.Module:
        import torch
        from torch import nn

        vectors = torch.from_numpy(np.array(self.emb.vectors, dtype=np.float32))
        bag = nn.EmbeddingBag.from_pretrained(vectors, freeze=not self.finetune, mode="mean")
        dim = vectors.shape[1]
        if self.hidden:
            head: nn.Module = nn.Sequential(
                nn.Linear(dim, self.hidden), nn.ReLU(), nn.Linear(self.hidden, n_classes)
            )
        else:
            head = nn.Linear(dim, n_classes)

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bag, self.head = bag, head

            def forward(self, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
                return self.head(self.bag(flat, offsets))

        return Net().to(torch.device(self.device))

    def _validate_parameters(self) -> None:
        checks = (
            ("hidden", self.hidden, 0),
            ("epochs", self.epochs, 1),
            ("patience", self.patience, 1),
            ("batch_size", self.batch_size, 1),
        )
        for name, value, low in checks:
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InputError(f"{name} must be a whole number of at least {low}; got {value!r}.")
        if not 0 < float(self.val_size) < 1:
            raise InputError(f"val_size must be between 0 and 1; got {self.val_size!r}.")
        if not float(self.lr) > 0:
            raise InputError(f"lr must be above 0; got {self.lr!r}.")

    # --- scikit-learn contract -----------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[Any]) -> TorchBagClassifier:  # noqa: N803
        import torch

        self._validate_parameters()
        self.classes_, target, train_rows, val_rows = validation_split(
            X, y, self.val_size, self.seed
        )
        ids = self._ids(X)
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        net = self._network(len(self.classes_))
        params = [p for p in net.parameters() if p.requires_grad]
        optimiser = torch.optim.Adam(params, lr=self.lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        device = torch.device(self.device)
        y_all = torch.from_numpy(target.astype(np.int64)).to(device)
        self.history_: list[dict[str, Any]] = []
        best_loss, best_state, best_epoch, waited = np.inf, None, 0, 0
        for epoch in range(1, self.epochs + 1):
            net.train()
            order = rng.permutation(train_rows)
            total, seen = 0.0, 0
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                logits = net(*self._batch(ids, batch))
                loss = loss_fn(logits, y_all[torch.from_numpy(batch).to(device)])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * len(batch)
                seen += len(batch)
            val_loss, val_acc = self._score(net, ids, val_rows, y_all, loss_fn)
            event = {
                "epoch": epoch,
                "epochs": self.epochs,
                "loss": total / max(seen, 1),
                "val_loss": val_loss,
                "val_accuracy": val_acc,
            }
            self.history_.append(event)
            if self.on_epoch is not None:
                self.on_epoch(dict(event))
            if val_loss < best_loss - 1e-6:
                best_loss, best_epoch, waited = val_loss, epoch, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                waited += 1
                if waited >= self.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        self.net_ = net.eval()
        self.best_epoch_ = best_epoch
        self.stopped_early_ = len(self.history_) < self.epochs
        return self

    def _score(
        self,
        net: torch.nn.Module,
        ids: list[np.ndarray],
        rows: np.ndarray,
        y_all: torch.Tensor,
        loss_fn: Callable[..., torch.Tensor],
    ) -> tuple[float, float]:
        import torch

        net.eval()
        with torch.no_grad():
            logits = net(*self._batch(ids, rows))
            target = y_all[torch.from_numpy(rows).to(y_all.device)]
            loss = float(loss_fn(logits, target))
            accuracy = float((logits.argmax(1) == target).float().mean())
        return loss, accuracy

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:  # noqa: N803 - sklearn
        import torch
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "net_")
        ids = self._ids(X)
        out = []
        with torch.no_grad():
            for start in range(0, len(ids), 4096):
                rows = np.arange(start, min(start + 4096, len(ids)))
                out.append(torch.softmax(self.net_(*self._batch(ids, rows)), 1).cpu().numpy())
        if not out:
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        return np.concatenate(out)

    def predict(self, X: Sequence[str]) -> np.ndarray:  # noqa: N803 - sklearn
        return self.classes_[self.predict_proba(X).argmax(1)]

    def embedding_weights(self) -> np.ndarray:
        """The embedding layer's current weights (a copy), n_words × dim."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "net_")
        return self.net_.bag.weight.detach().cpu().numpy().copy()
