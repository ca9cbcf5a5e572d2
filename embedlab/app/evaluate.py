"""What the Evaluate page decides and says: which benchmarks a click runs, running and saving
them (the analysis returns a value, this saves it), and how to read a score for the model at
hand. Tables and charts of one result come from `embedlab.app.reports`; nothing here imports
streamlit.

>>> benchmarks_to_run({"analogy": True, "ws353": False, "simlex": True}, has_upload=True)
['analogy', 'simlex', 'upload']
>>> benchmarks_to_run({"analogy": False}, has_upload=False)
[]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from embedlab.app import links
from embedlab.app.markup import escape_markdown
from embedlab.app.reports import (
    BenchmarkReport,
    ModelScore,
    benchmark_title,
    run_report,
    scores_across_models,
    workspace_metrics,
)
from embedlab.embeddings import Embeddings
from embedlab.errors import EmbedlabError
from embedlab.store.workspace import ModelRecord, Workspace

UPLOADED = "upload"
CHOICES: tuple[tuple[str, str, str], ...] = (
    (
        "analogy",
        "Google analogies",
        "19,544 questions in 14 sections: capitals, currencies, family; plurals, tenses…",
    ),
    ("ws353", "WordSim353", "353 word pairs rated 0–10 for how related they are."),
    ("simlex", "SimLex-999", "999 word pairs rated 0–10 for how similar (not merely related)."),
)
"""(benchmark, label, help) of the page's checkboxes."""
METHODS: dict[str, str] = {
    "3cosadd": "3CosAdd: nearest to b − a + c",
    "3cosmul": "3CosMul: a product of similarities (Levy & Goldberg)",
}
LINKS: dict[str, links.Field] = {
    **{name: links.Field(f"eval_{name}", links.flag) for name, _, _ in CHOICES},
    "method": links.Field("eval_method", links.choice(list(METHODS))),
}
"""The page's URL: ?analogy=false&ws353=true&simlex=true&method=3cosmul (ticks and method)."""
UPLOAD_HELP = (
    "An analogy file (lines of 4 words 'a b c d', ': name' starts a section) or a similarity "
    "file (lines of 'word<TAB>word<TAB>score'), as gensim's questions-words.txt and "
    "wordsim353.tsv. Which one it is, is told from its lines."
)
SMALL_CORPUS_WORDS = 10_000_000  # below this a corpus holds few benchmark words, rarely seen
SIMILARITY_READING = (
    "**How to read it.** Spearman's ρ compares the order of the pairs by the model's cosine "
    "similarity with their order by people's ratings (1: the same order, 0: no relation, −1: "
    "the reverse), over the pairs whose words the model knows (coverage). WordSim353 rewards "
    "relatedness (cup–coffee), SimLex-999 only likeness (cup–mug)."
)


@dataclass(frozen=True)
class Outcome:
    """One benchmark of a run: its report, or the one-sentence error it stopped with;
    `explain` says whether the page should say how to read this kind of score (the first time)."""

    label: str
    report: BenchmarkReport | None = None
    error: str | None = None
    explain: bool = False


def benchmarks_to_run(chosen: Mapping[str, bool], has_upload: bool) -> list[str]:
    """The ticked built-in benchmarks, then the uploaded file (`UPLOADED`) when there is one."""
    return [name for name, on in chosen.items() if on] + ([UPLOADED] if has_upload else [])


def run_and_save(
    ws: Workspace,
    record: ModelRecord,
    emb: Embeddings,
    names: Sequence[str],
    method: str = "3cosadd",
    upload: tuple[str, bytes] | None = None,
) -> list[Outcome]:
    """Run each benchmark on the model and save its result in the workspace; a benchmark
    that fails (an unreadable upload, no word covered) becomes an error and the rest still run.

    `names` are `BENCHMARKS` keys or `UPLOADED` (the file `upload`, as (name, bytes)).
    """
    outcomes: list[Outcome] = []
    explained: set[str] = set()
    for name in names:
        is_upload = name == UPLOADED
        label = upload[0] if is_upload and upload else benchmark_title(name)
        try:
            if is_upload:
                if upload is None:
                    continue
                report = run_report(emb, name, method=method, filename=upload[0], data=upload[1])
            else:
                report = run_report(emb, name, method=method)
            ws.save_metrics(record.name, report.benchmark, report.result.to_dict())
        except EmbedlabError as err:
            outcomes.append(Outcome(label, error=str(err)))
            continue
        outcomes.append(Outcome(label, report, explain=report.kind not in explained))
        explained.add(report.kind)
    return outcomes


def _model_sentence(record: ModelRecord) -> str:
    name = f"*{escape_markdown(record.name)}*"
    words = record.meta.get("corpus_words")
    if record.corpus_name or record.origin == "trained":
        corpus = f"*{escape_markdown(record.corpus_name)}*" if record.corpus_name else "a corpus"
        size = f" ({int(words):,} words)" if isinstance(words, int | float) and words else ""
        return f"{name} was trained on {corpus}{size} and knows {record.vocab:,} words."
    source = record.meta.get("source")
    where = f" from *{escape_markdown(source)}*" if source else ""
    return f"{name} was loaded{where} and knows {record.vocab:,} words."


def reading_text(kind: str, record: ModelRecord) -> str:
    """'How to read it' for an analogy or similarity score, speaking of the active model (its
    corpus and size from the catalog record); Markdown, with names escaped.

    >>> from pathlib import Path
    >>> rec = ModelRecord(1, "lee_demo", Path("."), "trained", 1, "lee", 1, 1500, 32, "",
    ...                   {"corpus_words": 59890})
    >>> print(reading_text("analogy", rec).split("right. ")[1])  # doctest: +ELLIPSIS
    *lee\\_demo* was trained on *lee* (59,890 words) and knows 1,500 words. A corpus this small...
    """
    if kind != "analogy":
        return SIMILARITY_READING
    words = record.meta.get("corpus_words")
    small = (isinstance(words, int | float) and 0 < words < SMALL_CORPUS_WORDS) or (
        record.vocab < 50_000
    )
    advice = (
        "A corpus this small holds few of these words and shows each only a few times, so a "
        "score near zero says more about the corpus than about the method."
        if small
        else "With a vocabulary this large most questions can be answered, so the score is "
        "about the geometry more than about missing words."
    )
    return (
        "**How to read it.** Accuracy is the share of the questions the model could answer "
        "(all four words in its vocabulary; coverage says how many) whose answer, the word "
        f"nearest to b − a + c, is exactly right. {_model_sentence(record)} {advice}"
    )


def comparisons(ws: Workspace) -> dict[str, list[ModelScore]]:
    """Per benchmark, the latest score of every model that has one and at least one other."""
    scores = scores_across_models(workspace_metrics(ws, ws.models()))
    return {bench: items for bench, items in scores.items() if len(items) >= 2}
