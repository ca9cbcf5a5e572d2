"""The guided tour: five steps a teacher can click through, each a link to a worked example.

Every step is an ordinary link (page + query parameters), the same state any copied link
carries, so a step opens the page exactly as a shared link would.

>>> [step.page for step in steps(["minilm-static", "lee-demo"])]
['neighbours', 'analogies', 'projection', 'axes', 'compare']
>>> steps(["minilm-static"])[-1].page
'axes'
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One step: the page it opens, a label, one sentence, and the link's parameters."""

    page: str
    label: str
    sentence: str
    params: dict[str, str] = field(default_factory=dict)


def steps(models: list[str], pretrained: str = "minilm-static") -> list[Step]:
    """The tour for this workspace: the pretrained model's classic demos, then a comparison
    of two models when there are two."""
    model = pretrained if pretrained in models else (models[0] if models else "")
    on = {"model": model} if model else {}
    tour = [
        Step(
            "neighbours",
            "1. Neighbours of a word",
            "Words used in similar contexts get similar vectors: the nearest words to 'king'.",
            {**on, "q": "king"},
        ),
        Step(
            "analogies",
            "2. king − man + woman",
            "Vector arithmetic: the offset from man to king, started at woman, lands near queen.",
            {**on, "a": "man", "b": "king", "c": "woman"},
        ),
        Step(
            "projection",
            "3. A map of the vocabulary",
            "The 1,000 most frequent words flattened to 2D; 'france' and its neighbours light up.",
            {**on, "method": "pca", "n": "1000", "word": "france"},
        ),
        Step(
            "axes",
            "4. Meaning along an axis",
            "Words placed between man and woman, and bad and good; WEAT asks if it is chance.",
            {**on, "x": "man|woman", "y": "bad|good"},
        ),
    ]
    others = [m for m in models if m != model]
    if model and others:
        tour.append(
            Step(
                "compare",
                "5. Two models side by side",
                "A model trained on 60,000 words against the pretrained one: which words moved.",
                {"a": others[0], "b": model},
            )
        )
    return tour
