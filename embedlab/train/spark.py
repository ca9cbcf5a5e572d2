"""Spark MLlib's Word2Vec, for corpora beyond one machine: registered as "spark-word2vec".

embedlab hands the job to Spark (`pyspark.ml.feature.Word2Vec`) and brings the vectors back
as `Embeddings`, with counts from the corpus's vocab.tsv, most frequent first. Spark reads
the corpus as a text DataFrame: this machine's corpus.txt for a local master (`local[N]`),
or, for a cluster, `input`, a path every executor can read (hdfs://, s3a://, or file:// on
shared storage) holding the same text.

MLlib trains skip-gram with hierarchical softmax only; it has no negative sampling, no
down-sampling and no final learning rate, so those settings are ignored (the model's meta
lists them under "ignored"); CBOW is refused. Everything that can be checked is checked
before Spark starts (`plan_spark_run`): MLlib's limit of vocabulary × dimensions under
2^31, a cluster master without an `input`, pyspark and Java being installed.

Progress: a thread polls Spark's status tracker (MLlib runs one job for the vocabulary and
one per iteration; tasks done of total within it) and the caller's thread turns that into
the trainers' progress events. When the caller stops the run (its `on_progress` raises, or
SIGTERM/SIGALRM raise in the training child's main thread) the Spark jobs are cancelled and
the session is stopped. The caller's thread never talks to the JVM itself, so a signal can
never land in the middle of a py4j call.

Quiet: a session embedlab starts logs at WARN, without the console progress bar or the web
UI (local masters), its JVM's own output goes to a log file in a temporary folder (the
workspace's tmp/ when the corpus is in a workspace), as does `spark.local.dir`.

>>> from embedlab.train.config import TrainConfig
>>> mllib_params(TrainConfig(dim=50, window=4, min_count=2, epochs=3, alpha=0.03, seed=7))
... # doctest: +NORMALIZE_WHITESPACE
{'vectorSize': 50, 'windowSize': 4, 'minCount': 2, 'maxIter': 3, 'numPartitions': 1,
 'stepSize': 0.03, 'seed': 7, 'maxSentenceLength': 10000}
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.errors import EmbedlabError, InputError, NotInstalled
from embedlab.train.registry import register_trainer
from embedlab.train.spark_settings import (  # noqa: F401 - the settings' help, shown here too
    INPUT_HELP,
    MASTER_HELP,
    PARTITIONS_HELP,
    SPARK_CONF_HELP,
)
from embedlab.train.vocab import check_context, check_vocabulary, no_context_error

if TYPE_CHECKING:
    from embedlab.embeddings import Embeddings
    from embedlab.train.config import TrainConfig
    from embedlab.train.progress import ProgressTracker

ALGO = "spark-word2vec"
MLLIB_LIMIT = 2**31 - 1  # MLlib requires vocabulary size × vector size < Int.MaxValue
MAX_SENTENCE_LENGTH = 10_000  # gensim's limit too (MLlib's default is 1,000)
POLL_SECONDS = 0.5  # the status tracker's; the caller's thread relays every 0.25 s
RELAY_SECONDS = 0.25
STOP_GRACE_SECONDS = 30.0  # how long a cancelled run waits for Spark to wind down
REMOVE_SECONDS = 10.0  # how long removing the run's folder is retried while the JVM winds down
JAVA_INSTALL = "apt-get install openjdk-17-jre-headless"
VOCAB_FILE = "vocab.tsv"
STATS_FILE = "stats.json"


# The settings MLlib has no use for: field name -> what MLlib does instead.
IGNORED = {
    "loss": "MLlib always uses hierarchical softmax",
    "negative": "MLlib has no negative sampling",
    "sample": "MLlib has no down-sampling of frequent words",
    "min_alpha": "MLlib decays the learning rate to stepSize × 0.0001",
    "device": "Spark computes on CPUs",
}

_SPARK_VERSION_JAVA = {4: 17, 3: 8}  # Spark major version -> oldest Java it runs on
_log = logging.getLogger(__name__)


class JavaMissing(NotInstalled):
    """Spark needs a Java runtime and none was found (or it is too old)."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.package = "java"


# --- the settings ------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkSettings:
    """The Spark part of a `TrainConfig`: master, partitions, extra conf and input path.

    Read from the config's `master`, `partitions`, `spark_conf` and `input` fields (their
    defaults when the config has none of them).

    >>> from embedlab.train.config import TrainConfig
    >>> SparkSettings.of(TrainConfig())
    SparkSettings(master='', partitions=1, spark_conf=(), input='')
    """

    master: str = ""
    partitions: int = 1
    spark_conf: tuple[str, ...] = ()
    input: str = ""

    @classmethod
    def of(cls, config: Any) -> SparkSettings:
        conf = getattr(config, "spark_conf", ()) or ()
        if isinstance(conf, str):
            conf = (conf,)
        elif isinstance(conf, Mapping):
            conf = tuple(f"{k}={v}" for k, v in conf.items())
        return cls(
            master=(getattr(config, "master", "") or "").strip(),
            partitions=getattr(config, "partitions", 1),
            spark_conf=tuple(conf),
            input=(getattr(config, "input", "") or "").strip(),
        )


def parse_spark_conf(items: Iterable[str]) -> dict[str, str]:
    """Spark settings from 'key=value' strings (later ones win); a bad one raises `InputError`.

    >>> parse_spark_conf(["spark.driver.memory=4g", "spark.executor.cores = 2"])
    {'spark.driver.memory': '4g', 'spark.executor.cores': '2'}
    >>> parse_spark_conf(["memory"])
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: The Spark setting 'memory' is not key=value; write it as \
spark.some.key=value, e.g. spark.driver.memory=4g.
    """
    conf: dict[str, str] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise InputError(
                f"The Spark setting '{item}' is not key=value; write it as spark.some.key=value, "
                "e.g. spark.driver.memory=4g."
            )
        if key == "spark.master":
            raise InputError(
                "Give the Spark master as master (--master), not as the setting spark.master."
            )
        conf[key] = value
    return conf


def mllib_params(config: TrainConfig, min_count: int | None = None) -> dict[str, Any]:
    """The parameters of `pyspark.ml.feature.Word2Vec` a config stands for, one to one.

    `min_count` overrides the config's (the trainer passes the count a `max_vocab` cap
    raises it to).

    >>> from embedlab.train.config import TrainConfig
    >>> mllib_params(TrainConfig(epochs=2), min_count=9)["minCount"]
    9
    """
    return {
        "vectorSize": config.dim,
        "windowSize": config.window,
        "minCount": config.min_count if min_count is None else min_count,
        "maxIter": config.epochs,
        "numPartitions": SparkSettings.of(config).partitions,
        "stepSize": float(config.alpha),
        "seed": config.seed,
        "maxSentenceLength": MAX_SENTENCE_LENGTH,
    }


def ignored_settings(config: TrainConfig) -> dict[str, str]:
    """The config's settings MLlib does not use: name -> 'value (what MLlib does instead)'.

    >>> from embedlab.train.config import TrainConfig
    >>> ignored_settings(TrainConfig())["sample"]
    '0.001 (MLlib has no down-sampling of frequent words)'
    """
    return {name: f"{getattr(config, name)} ({why})" for name, why in IGNORED.items()}


def check_settings(config: TrainConfig) -> SparkSettings:
    """Refuse settings MLlib cannot honour, with one sentence each; returns the Spark part.

    >>> from embedlab.train.config import TrainConfig
    >>> check_settings(TrainConfig(architecture="cbow"))
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: Spark MLlib's Word2Vec trains skip-gram only (with \
hierarchical softmax); choose architecture skipgram, or train CBOW with word2vec on one machine.
    """
    if config.architecture != "skipgram":
        raise InputError(
            "Spark MLlib's Word2Vec trains skip-gram only (with hierarchical softmax); choose "
            "architecture skipgram, or train CBOW with word2vec on one machine."
        )
    settings = SparkSettings.of(config)
    partitions = settings.partitions
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise InputError(f"partitions must be a whole number of at least 1; got {partitions!r}.")
    parse_spark_conf(settings.spark_conf)
    if settings.master and not _is_local(settings.master) and not settings.input:
        raise _needs_input(settings.master)
    return settings


def _needs_input(master: str) -> InputError:
    return InputError(
        f"The executors of '{master}' cannot read this machine's corpus.txt; copy it where "
        "they can (hdfs://, s3a://, or file:// on shared storage) and give that path as input "
        "(--input)."
    )


def _is_local(master: str) -> bool:
    return master.startswith("local")  # local, local[N], local[*], local-cluster[...]


# --- the vocabulary, estimated from the corpus before Spark starts ------------------------


@dataclass(frozen=True)
class VocabPlan:
    """The words MLlib will keep (most frequent first), their counts, the count a word needs
    (`least`: min_count, or higher under a `max_vocab` cap) and the corpus's word total."""

    words: tuple[str, ...]
    counts: np.ndarray = field(repr=False)
    least: int
    total_words: int


def _ranked_counts(corpus: Path) -> tuple[list[tuple[str, int]], int, bool]:
    """(word, count) most frequent first, the word total, and whether vocab.tsv gave them."""
    vocab = corpus.parent / VOCAB_FILE
    if corpus.name == "corpus.txt" and vocab.is_file():
        ranked = []
        with open(vocab, encoding="utf-8") as lines:
            for line in lines:
                word, _, count = line.rstrip("\n").rpartition("\t")
                if word:
                    ranked.append((word, int(count)))
        return ranked, sum(c for _, c in ranked), True
    counter: Counter[str] = Counter()
    try:
        with open(corpus, encoding="utf-8") as lines:
            for line in lines:
                counter.update(line.split())
    except UnicodeDecodeError:
        raise InputError(
            f"The corpus file '{corpus}' is not valid UTF-8; "
            "ingest it with `embedlab ingest`, which converts any encoding."
        ) from None
    ranked = sorted(counter.items(), key=lambda wc: (-wc[1], wc[0]))
    return ranked, sum(counter.values()), False


def vocabulary_plan(corpus: Path, config: TrainConfig) -> VocabPlan:
    """The vocabulary MLlib will build, from vocab.tsv (or one pass over a plain file), with
    its limits checked: at least 2 words, some sentence of 2 words, vocabulary × dim < 2^31.

    >>> import tempfile, pathlib
    >>> from embedlab.train.config import TrainConfig
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     corpus = pathlib.Path(tmp) / "c.txt"
    ...     _ = corpus.write_text("a b a c\\nb a\\n")
    ...     plan = vocabulary_plan(corpus, TrainConfig(min_count=2))
    >>> plan.words, plan.counts.tolist(), plan.least, plan.total_words
    (('a', 'b'), [3, 2], 2, 6)
    """
    ranked, total, from_vocab = _ranked_counts(corpus)
    least = config.min_count
    kept = [(w, c) for w, c in ranked if c >= least]
    if config.max_vocab is not None and len(kept) > config.max_vocab:
        least = kept[config.max_vocab][1] + 1  # ties at the cut are dropped, as gensim does
        kept = [(w, c) for w, c in kept if c >= least]
    check_vocabulary([w for w, _ in kept[:2]], least, total, config.min_count)
    if from_vocab:
        _check_context_from_stats(corpus.parent / STATS_FILE, corpus)
    else:
        check_context(corpus)
    check_size(len(kept), config.dim, [c for _, c in kept], least)
    return VocabPlan(
        tuple(w for w, _ in kept), np.array([c for _, c in kept], dtype=np.int64), least, total
    )


def _check_context_from_stats(stats_file: Path, corpus: Path) -> None:
    from embedlab.ingest.corpus import read_stats

    try:
        lengths = read_stats(stats_file.parent).sentence_lengths
    except (EmbedlabError, OSError, ValueError, KeyError):
        check_context(corpus)  # no usable stats.json: look at the lines themselves
        return
    if not any(length > 1 for length in lengths):
        raise no_context_error()


def check_size(words: int, dim: int, counts: list[int] | None = None, least: int = 1) -> None:
    """Refuse a vocabulary × dimensions of 2^31 - 1 or more (MLlib's limit), saying what
    min-count or dim would fit; `counts` (most frequent first) lets it name the min-count.

    >>> check_size(3_000_000, 1000)
    Traceback (most recent call last):
    ...
    embedlab.errors.InputError: Spark MLlib's Word2Vec needs vocabulary × dimensions under \
2,147,483,647, and this corpus keeps 3,000,000 words × 1000 dimensions = 3,000,000,000; lower \
dim to 715 or less, or raise min-count.
    """
    if words * dim < MLLIB_LIMIT:
        return
    fit_words = (MLLIB_LIMIT - 1) // dim
    fit_dim = (MLLIB_LIMIT - 1) // words
    fixes = f"lower dim to {fit_dim} or less, or raise min-count"
    if counts and fit_words < len(counts):
        need = counts[fit_words] + 1  # keeps at most fit_words words
        kept = sum(1 for c in counts if c >= need)
        fixes = f"raise min-count to {need:,} ({kept:,} words) or lower dim to {fit_dim} or less"
    raise InputError(
        f"Spark MLlib's Word2Vec needs vocabulary × dimensions under {MLLIB_LIMIT:,}, and this "
        f"corpus keeps {words:,} words × {dim} dimensions = {words * dim:,}; {fixes}."
    )


# --- the environment: pyspark and Java --------------------------------------------------


def require_pyspark() -> str:
    """The installed pyspark's version; `NotInstalled` (with the pip line) when there is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pyspark
    except ImportError:
        raise NotInstalled("pyspark", "spark") from None
    return str(pyspark.__version__)


def find_java() -> Path:
    """The `java` Spark will run: $JAVA_HOME/bin/java, else the first on PATH.

    Raises `JavaMissing` with the install line when there is none.
    """
    home = os.environ.get("JAVA_HOME", "").strip()
    if home:
        java = Path(home) / "bin" / "java"
        if java.is_file() and os.access(java, os.X_OK):
            return java
        raise JavaMissing(
            f"JAVA_HOME is '{home}' but holds no bin/java, and Spark needs Java; point JAVA_HOME "
            f"at a Java 17 runtime or unset it (install one with: {JAVA_INSTALL})."
        )
    found = shutil.which("java")
    if found is None:
        raise JavaMissing(
            f"Spark needs Java and none was found (no java on PATH, JAVA_HOME unset); install "
            f"it with: {JAVA_INSTALL}"
        )
    return Path(found)


@functools.lru_cache(maxsize=8)
def java_version(java: Path) -> int | None:
    """The major version of a `java` executable (8, 11, 17, ...), or None if it won't say.

    Read from the `release` file of the Java home it belongs to when there is one (free),
    else from `java -version` (which starts a JVM).
    """
    release = Path(os.path.realpath(java)).parent.parent / "release"
    text = ""
    with contextlib.suppress(OSError):
        text = release.read_text(encoding="utf-8", errors="replace")
    match = re.search(r'JAVA_VERSION="(\d+)(?:\.(\d+))?', text)
    if match is None:
        try:
            out = subprocess.run(
                [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def check_java(spark_version: str) -> Path:
    """The `java` to run Spark `spark_version` with; `JavaMissing` if absent or too old."""
    java = find_java()
    need = _SPARK_VERSION_JAVA.get(int(spark_version.split(".")[0]), 17)
    have = java_version(java)
    if have is not None and have < need:
        raise JavaMissing(
            f"Spark {spark_version} needs Java {need} or later and '{java}' is Java {have}; "
            f"install a newer one with: {JAVA_INSTALL}"
        )
    return java


def _launched_by_spark_submit() -> bool:
    return "PYSPARK_GATEWAY_PORT" in os.environ


def _gateway_running() -> bool:
    import sys

    context = sys.modules.get("pyspark.core.context") or sys.modules.get("pyspark.context")
    spark_context = getattr(context, "SparkContext", None)
    return getattr(spark_context, "_gateway", None) is not None


# --- the plan: everything checked before Spark starts ------------------------------------


@dataclass(frozen=True)
class SparkPlan:
    """What a run will do, all checked: MLlib's parameters, where Spark runs, what it reads."""

    params: dict[str, Any]
    settings: SparkSettings
    conf: dict[str, str]
    input: str
    clean_input: bool  # the ingested corpus.txt: single spaces, no empty tokens
    vocab: VocabPlan
    spark_version: str
    java: str | None


def plan_spark_run(corpus: str | os.PathLike[str], config: TrainConfig) -> SparkPlan:
    """Check a spark-word2vec run without starting Spark: settings, vocabulary size against
    MLlib's limit, pyspark and Java. `corpus` is a corpus folder or its corpus.txt.

    `create_training_run` can call it so that a run that cannot start is never queued.
    """
    path = Path(corpus)
    file = path / "corpus.txt" if path.is_dir() else path
    if not file.is_file():
        raise InputError(f"The corpus '{corpus}' does not exist; check the path.")
    settings = check_settings(config)
    vocab = vocabulary_plan(file, config)
    spark_version = require_pyspark()
    java = None
    if not _launched_by_spark_submit() and not _gateway_running():
        java = str(check_java(spark_version))
    local_input = not settings.input
    return SparkPlan(
        params=mllib_params(config, min_count=vocab.least),
        settings=settings,
        conf=parse_spark_conf(settings.spark_conf),
        input=settings.input or file.resolve().as_uri(),
        clean_input=local_input and file.name == "corpus.txt",
        vocab=vocab,
        spark_version=spark_version,
        java=java,
    )


# --- running it ---------------------------------------------------------------------------


@dataclass
class _Shared:
    """What the worker, the poller and the caller's thread share (under `lock`)."""

    group: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    sc: Any = None  # the SparkContext, once started
    stopping: bool = False
    cancel: bool = False
    error: BaseException | None = None
    fit_done: bool = False
    succeeded: set[int] = field(default_factory=set)  # job ids, in the run's group
    first_job: int | None = None
    running_fraction: float | None = None  # of the running iteration job
    result: Any = None
    facts: dict[str, Any] = field(default_factory=dict)


def _work_dir(corpus: Path) -> Path:
    """A fresh folder under the workspace's tmp/ (when the corpus is in one), else the OS's."""
    folder = corpus.resolve().parent
    root = folder.parent.parent
    if folder.parent.name == "corpora" and (root / "catalog.sqlite").exists():
        (root / "tmp").mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="spark-", dir=root / "tmp"))
    return Path(tempfile.mkdtemp(prefix="embedlab-spark-"))


def _conf_pairs(plan: SparkPlan, work: Path, workers: int, app_name: str) -> dict[str, str]:
    """Spark settings for a session embedlab starts: quiet, private for local runs, and the
    user's `spark_conf` over them."""
    master = plan.settings.master or (None if _launched_by_spark_submit() else f"local[{workers}]")
    pairs = {"spark.app.name": app_name, "spark.ui.showConsoleProgress": "false"}
    if master is not None:
        pairs["spark.master"] = master
    if master is not None and _is_local(master):
        pairs.update(
            {
                "spark.ui.enabled": "false",
                "spark.local.dir": str(work / "local"),
                "spark.driver.host": "127.0.0.1",
                "spark.driver.bindAddress": "127.0.0.1",
            }
        )
    return {**pairs, **plan.conf}


def _quiet_imports() -> None:
    """Import what a run uses, hushing pyspark's warning about pandas versions (a pandas
    feature this trainer does not use; `pyspark.testing.utils` warns when first imported,
    which collecting rows does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyspark.ml.feature  # noqa: F401
        import pyspark.sql.functions  # noqa: F401
        import pyspark.testing.utils  # noqa: F401


def _start_session(pairs: dict[str, str], log_file: Path) -> tuple[Any, bool]:
    """(SparkSession, whether embedlab started it): an active context is reused as it is."""
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    if SparkContext._active_spark_context is not None:  # the caller's own session
        return SparkSession.builder.getOrCreate(), False
    if logging.getLogger("py4j").level == logging.NOTSET:
        logging.getLogger("py4j").setLevel(logging.WARNING)
    conf = SparkConf().setAll(list(pairs.items()))
    gateway = None
    if SparkContext._gateway is None and not _launched_by_spark_submit():
        with open(log_file, "ab") as log:  # the JVM's own output goes here, not to our stderr
            gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
    sc = SparkContext(conf=conf, gateway=gateway)
    sc.setLogLevel("WARN")
    return SparkSession.builder.getOrCreate(), True


def _words_frame(spark: Any, plan: SparkPlan) -> Any:
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention

    text = spark.read.text(plan.input)
    if plan.clean_input:
        return text.select(F.split(F.col("value"), " ").alias("words"))
    spaced = F.trim(F.regexp_replace(F.col("value"), r"(?U)\s+", " "))
    return (
        text.select(spaced.alias("line"))
        .where(F.col("line") != "")
        .select(F.split(F.col("line"), " ").alias("words"))
    )


def _work(shared: _Shared, plan: SparkPlan, pairs: dict[str, str], log_file: Path) -> None:
    """The worker thread: start (or reuse) a session, fit, collect the vectors, stop."""
    spark, started = None, False
    try:
        t0 = time.perf_counter()
        _quiet_imports()
        spark, started = _start_session(pairs, log_file)
        with shared.lock:
            shared.sc = spark.sparkContext
        shared.facts["start_seconds"] = time.perf_counter() - t0
        if shared.cancel:
            return
        if not plan.settings.input and not _is_local(spark.sparkContext.master):
            raise _needs_input(spark.sparkContext.master)  # a master spark-submit chose
        from pyspark.ml.feature import Word2Vec

        words = _words_frame(spark, plan)
        spark.sparkContext.setJobGroup(shared.group, f"embedlab {ALGO}", True)
        t1 = time.perf_counter()
        model = Word2Vec(inputCol="words", **plan.params).fit(words)
        shared.facts["fit_seconds"] = time.perf_counter() - t1
        shared.fit_done = True
        t2 = time.perf_counter()
        rows = model.getVectors().collect()
        shared.facts["collect_seconds"] = time.perf_counter() - t2
        sc = spark.sparkContext
        shared.facts.update(
            master=sc.master,
            spark_version=spark.version,
            app_id=sc.applicationId,
            default_parallelism=sc.defaultParallelism,
        )
        shared.result = rows
    except BaseException as err:  # reported by the caller's thread
        shared.error = err
    finally:
        with shared.lock:
            shared.stopping = True
        if started and spark is not None:
            with contextlib.suppress(Exception):
                spark.stop()


def _poll(shared: _Shared, done: threading.Event) -> None:
    """The poller thread: read Spark's status tracker into `shared`; once a cancel is asked,
    cancel the run's jobs at every poll (a job submitted just after is caught by the next)."""
    while not done.wait(POLL_SECONDS):
        with shared.lock:
            if shared.stopping or shared.sc is None:
                continue
            try:
                if shared.cancel:
                    shared.sc.cancelJobGroup(shared.group)
                else:
                    _read_status(shared)
            except Exception as err:  # a status read must never end the run
                _log.debug("Spark status poll failed: %s", err)


def _read_status(shared: _Shared) -> None:
    """Jobs of the run's group seen to succeed, and the running iteration's share of tasks
    done. Jobs already seen to succeed are not asked about again, so a poll costs a few
    calls into the JVM whatever the number of iterations."""
    tracker = shared.sc.statusTracker()
    jobs = sorted(set(tracker.getJobIdsForGroup(shared.group)) - shared.succeeded)
    if shared.first_job is None and jobs:
        shared.first_job = jobs[0]
    running = None
    for job in jobs:
        info = tracker.getJobInfo(job)
        if info is None:
            continue
        if info.status == "SUCCEEDED":
            shared.succeeded.add(job)
        elif info.status == "RUNNING" and job != shared.first_job and running is None:
            parts = []
            for stage_id in info.stageIds:
                stage = tracker.getStageInfo(stage_id)
                ok = stage is not None and stage.numTasks > 0
                parts.append(stage.numCompletedTasks / stage.numTasks if ok else 0.0)
            running = sum(parts) / len(parts) if parts else 0.0
    shared.running_fraction = running


class _Relay:
    """Turns what the poller saw into the tracker's events, in the caller's thread.

    MLlib runs one job for the vocabulary and then one per iteration, so the first job's
    end is the end of the vocabulary scan and each later job's end the end of an epoch.
    """

    def __init__(self, tracker: ProgressTracker, epochs: int, corpus_words: int) -> None:
        self.tracker = tracker
        self.epochs = epochs
        self.corpus_words = corpus_words
        self.vocab_sent = False
        self.last_fraction = -1.0

    def update(self, shared: _Shared) -> None:
        succeeded = len(shared.succeeded)
        if succeeded and not self.vocab_sent:
            self._vocab()
        for _ in range(min(max(succeeded - 1, 0), self.epochs) - self.tracker.epochs_done):
            self.tracker.epoch_done()
            self.last_fraction = -1.0
        fraction = shared.running_fraction
        if (
            self.vocab_sent
            and fraction is not None
            and self.tracker.epochs_done < self.epochs
            and fraction - self.last_fraction >= 0.01
        ):
            self.last_fraction = fraction
            self.tracker.within_epoch(fraction * self.corpus_words)

    def finish(self) -> None:
        if not self.vocab_sent:
            self._vocab()
        while self.tracker.epochs_done < self.epochs:
            self.tracker.epoch_done()

    def _vocab(self) -> None:
        self.vocab_sent = True
        self.tracker.vocab_done(self.corpus_words)


def _run(plan: SparkPlan, config: TrainConfig, corpus: Path, tracker: ProgressTracker) -> Any:
    """Run the plan: the worker and poller threads, events relayed here; returns (rows, facts)."""
    work = _work_dir(corpus)
    shared = _Shared(group=f"embedlab-{uuid.uuid4().hex[:12]}")
    label = corpus.parent.name if corpus.name == "corpus.txt" else corpus.stem
    pairs = _conf_pairs(plan, work, config.resolved_workers(), f"embedlab {ALGO} on {label}")
    done = threading.Event()
    worker = threading.Thread(
        target=_work,
        args=(shared, plan, pairs, work / "jvm.log"),
        name="embedlab-spark-fit",
        daemon=True,
    )
    poller = threading.Thread(
        target=_poll, args=(shared, done), name="embedlab-spark-status", daemon=True
    )
    relay = _Relay(tracker, config.epochs, plan.vocab.total_words)
    try:
        worker.start()
        poller.start()
        try:
            while worker.is_alive():
                worker.join(RELAY_SECONDS)
                relay.update(shared)
        except BaseException:  # on_progress raised, or a signal: stop Spark, then pass it on
            shared.cancel = True
            worker.join(STOP_GRACE_SECONDS)
            raise
        if shared.error is not None:
            raise _failure(shared.error, plan, work / "jvm.log") from shared.error
        relay.finish()
        return shared.result, dict(shared.facts)
    finally:
        done.set()
        _remove_work_dir(work, worker)


def _remove_work_dir(work: Path, worker: threading.Thread) -> None:
    """Remove the run's folder. A cancelled JVM may still be writing its block-manager files
    while it winds down, so removal is retried until the worker has stopped and the folder is
    gone (at most REMOVE_SECONDS); what still remains then is removed when this process exits.
    """
    deadline = time.monotonic() + REMOVE_SECONDS
    while True:
        shutil.rmtree(work, ignore_errors=True)
        if not work.exists() and not worker.is_alive():
            return
        if time.monotonic() > deadline:
            atexit.register(shutil.rmtree, work, ignore_errors=True)
            return
        worker.join(0.2)


def _failure(err: BaseException, plan: SparkPlan, log_file: Path) -> BaseException:
    """One sentence for what went wrong in Spark (or the error itself when it is ours)."""
    if isinstance(err, EmbedlabError | KeyboardInterrupt | SystemExit):
        return err
    text = str(err)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(err).__name__)
    first = first[:300]
    if "OutOfMemoryError" in text or "Java heap space" in text:
        return EmbedlabError(
            "Spark ran out of memory; give it more (--spark-conf spark.driver.memory=8g, and "
            "spark.executor.memory on a cluster), or raise min-count or lower dim."
        )
    if "PATH_NOT_FOUND" in text or "Path does not exist" in text:
        return InputError(
            f"Spark cannot read the input '{plan.input}'; give a path every executor can read "
            "(hdfs://, s3a://, or file:// on shared storage)."
        )
    if "JAVA_GATEWAY_EXITED" in text or "Java gateway process exited" in text:
        detail = _last_error_line(log_file)
        return EmbedlabError(
            f"Spark could not start its Java process ({detail or first}); check Java and the "
            "Spark settings."
        )
    return EmbedlabError(f"Spark failed ({type(err).__name__}: {first}).")


def _last_error_line(log_file: Path) -> str | None:
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    errors = [line.strip() for line in lines if "Error" in line or "ERROR" in line]
    return errors[-1][:300] if errors else None


def _embeddings(rows: list[Any], plan: SparkPlan, facts: dict[str, Any], config: Any) -> Any:
    """The collected (word, vector) rows as `Embeddings`, most frequent first, with meta."""
    from embedlab.embeddings import Embeddings

    if not rows:
        raise EmbedlabError("Spark returned no vectors; check that the input holds the corpus.")
    rank = {w: i for i, w in enumerate(plan.vocab.words)}
    known = len(rank)
    order = sorted(range(len(rows)), key=lambda i: (rank.get(rows[i][0], known), rows[i][0]))
    words = [rows[i][0] for i in order]
    vectors = np.array([rows[i][1].toArray() for i in order], dtype=np.float32)
    count_of = dict(zip(plan.vocab.words, plan.vocab.counts.tolist(), strict=True))
    counts = [count_of.get(w, 0) for w in words]
    settings = plan.settings
    master = facts.get("master", settings.master)
    partitions = plan.params["numPartitions"]
    description = (
        f"{ALGO} skip-gram, hierarchical softmax, {config.dim}d, window {config.window}, "
        f"min-count {plan.params['minCount']}, {config.epochs} "
        f"epoch{'' if config.epochs == 1 else 's'}, {partitions} "
        f"partition{'' if partitions == 1 else 's'}, {master}"
    )
    meta: dict[str, Any] = {
        "description": description,
        "architecture": "skipgram",
        "loss": "hs",
        "mllib_params": dict(plan.params),
        "ignored": ignored_settings(config),
        "spark": {
            "master": master,
            "partitions": partitions,
            "spark_version": facts.get("spark_version", plan.spark_version),
            "input": plan.input,
            "app_id": facts.get("app_id"),
            "default_parallelism": facts.get("default_parallelism"),
            "conf": dict(plan.conf),
            "start_seconds": facts.get("start_seconds"),
            "fit_seconds": facts.get("fit_seconds"),
            "collect_seconds": facts.get("collect_seconds"),
        },
        "versions": {
            "pyspark": plan.spark_version,
            "spark": facts.get("spark_version", plan.spark_version),
        },
    }
    if plan.java is not None:
        java = java_version(Path(plan.java))
        if java is not None:
            meta["versions"]["java"] = str(java)
    missing = sum(1 for w in words if w not in count_of)
    if missing:
        meta["words_without_count"] = missing  # the input was not the local corpus's text
    return Embeddings(words, vectors, counts, meta)


@register_trainer(
    ALGO,
    label="Word2Vec on Spark",
    help="skip-gram with hierarchical softmax on Apache Spark MLlib, for corpora beyond one "
    "machine",
)
def train_spark_word2vec(corpus: Path, config: TrainConfig, tracker: ProgressTracker) -> Embeddings:
    """Train skip-gram (hierarchical softmax) on Spark MLlib and return the vectors.

    `corpus` is the corpus file (a workspace corpus's corpus.txt, whose vocab.tsv gives the
    counts). Everything is checked (`plan_spark_run`) before Spark starts.
    """
    plan = plan_spark_run(corpus, config)
    rows, facts = _run(plan, config, Path(corpus), tracker)
    return _embeddings(rows, plan, facts, config)
