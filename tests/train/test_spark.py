"""spark-word2vec: MLlib's Word2Vec through embedlab's trainer interface.

The mapping and the limits run without Spark; training, cancelling and SIGTERM start a real
local Spark (slow: a JVM starts each time) and are skipped, saying why, without pyspark or
Java.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import InputError, NotInstalled
from embedlab.ingest.corpus import ingest, read_vocab
from embedlab.train import TrainConfig, train
from embedlab.train import spark as sw

HAVE_PYSPARK = importlib.util.find_spec("pyspark") is not None
HAVE_JAVA = bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None
needs_spark = pytest.mark.skipif(
    not (HAVE_PYSPARK and HAVE_JAVA),
    reason="needs pyspark (pip install 'embedlab[spark]') and Java "
    "(apt-get install openjdk-17-jre-headless)",
)
SPARK_FIELDS = {"master": "", "partitions": 1, "spark_conf": (), "input": ""}


def spark_config(**values) -> TrainConfig:
    """A spark-word2vec config; until config.py declares master, partitions, spark_conf and
    input, a subclass of TrainConfig carries them."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {"algo": sw.ALGO, "workers": 1, **values}
    if set(SPARK_FIELDS) <= names:
        return TrainConfig(**values)

    @dataclasses.dataclass(frozen=True)
    class WithSpark(TrainConfig):
        master: str = ""
        partitions: int = 1
        spark_conf: tuple[str, ...] = ()
        input: str = ""

    return WithSpark(**values)


def no_spark_running() -> bool:
    if "pyspark" not in sys.modules:
        return True
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    return SparkContext._active_spark_context is None and SparkSession.getActiveSession() is None


@pytest.fixture(scope="module")
def lee_corpus(tmp_path_factory) -> Path:
    """The first 60 documents of gensim's Lee corpus, ingested (about 11,000 words)."""
    from gensim.test.utils import datapath

    folder = tmp_path_factory.mktemp("spark")
    lines = Path(datapath("lee_background.cor")).read_text(encoding="utf-8").splitlines()
    source = folder / "lee60.txt"
    source.write_text("\n".join(lines[:60]) + "\n", encoding="utf-8")
    ingest(source, folder / "lee60")
    return folder / "lee60"


def big_vocabulary(folder: Path, words: int) -> Path:
    """A corpus folder whose vocab.tsv lists `words` words seen 5 times each."""
    folder.mkdir()
    (folder / "corpus.txt").write_text("w0 w1 w2\n", encoding="utf-8")
    with open(folder / "vocab.tsv", "w", encoding="utf-8") as out:
        out.writelines(f"w{i}\t5\n" for i in range(words))
    return folder


# --- without Spark ------------------------------------------------------------------------


def test_config_maps_to_mllib_parameters_one_to_one():
    config = spark_config(
        dim=64, window=7, min_count=4, epochs=3, alpha=0.05, seed=11, partitions=4
    )
    params = sw.mllib_params(config)
    assert params == {
        "vectorSize": 64,
        "windowSize": 7,
        "minCount": 4,
        "maxIter": 3,
        "numPartitions": 4,
        "stepSize": 0.05,
        "seed": 11,
        "maxSentenceLength": sw.MAX_SENTENCE_LENGTH,
    }
    # each config value lands in exactly one parameter: change one, one parameter changes
    for name, key in [("dim", "vectorSize"), ("window", "windowSize"), ("epochs", "maxIter")]:
        changed = sw.mllib_params(dataclasses.replace(config, **{name: 9}))
        assert {k for k in params if params[k] != changed[k]} == {key}
    if HAVE_PYSPARK:  # the names are MLlib's own (class-level Params: no Spark needed)
        from pyspark.ml.feature import Word2Vec
        from pyspark.ml.param import Param

        assert all(isinstance(getattr(Word2Vec, key, None), Param) for key in params)


def test_a_vocabulary_cap_raises_min_count_as_gensim_does(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a a a a b b b c c d\na b\n", encoding="utf-8")
    plan = sw.vocabulary_plan(corpus, spark_config(min_count=1, max_vocab=2))
    assert (plan.words, plan.least, plan.total_words) == (("a", "b"), 3, 12)
    assert sw.mllib_params(spark_config(), min_count=plan.least)["minCount"] == 3


def test_what_mllib_ignores_is_named():
    ignored = sw.ignored_settings(spark_config(loss="hs"))
    assert set(ignored) == {"loss", "negative", "sample", "min_alpha", "device"}
    assert ignored["loss"].startswith("hs (")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"architecture": "cbow"}, "trains skip-gram only"),
        ({"master": "spark://head:7077"}, "give that path as input"),
        ({"spark_conf": ("spark.driver.memory",)}, "is not key=value"),
        ({"spark_conf": ("spark.master=local[4]",)}, "Give the Spark master as master"),
        ({"partitions": 0}, "partitions must be"),
        ({"min_count": 100_000}, "No word occurs at least 100000 times"),
    ],
)
def test_limits_are_refused_before_spark_starts(lee_corpus, values, expected):
    start = time.perf_counter()
    with pytest.raises(InputError, match=expected) as caught:
        train(lee_corpus, spark_config(**values))
    assert time.perf_counter() - start < 5
    assert no_spark_running()
    assert "\n" not in str(caught.value)


def test_vocabulary_times_dim_over_mllibs_limit_is_refused(tmp_path):
    folder = big_vocabulary(tmp_path / "big", 1_100_000)
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        sw.plan_spark_run(folder, spark_config(dim=2000))
    assert time.perf_counter() - start < 10
    assert no_spark_running()
    message = str(caught.value)
    assert "2,147,483,647" in message and "1,100,000 words × 2000 dimensions" in message
    assert "lower dim to 1952 or less" in message
    sw.check_size(1_073_741, 2000)  # just under the limit: accepted


def test_java_missing_is_one_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(sw.JavaMissing) as caught:
        sw.find_java()
    message = str(caught.value)
    assert message == (
        "Spark needs Java and none was found (no java on PATH, JAVA_HOME unset); install it "
        "with: apt-get install openjdk-17-jre-headless"
    )
    assert isinstance(caught.value, NotInstalled)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(sw.JavaMissing, match="holds no bin/java") as caught:
        sw.check_java("4.0.0")
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(not HAVE_PYSPARK, reason="needs pyspark to be installed")
def test_java_missing_stops_the_plan_before_spark(monkeypatch, lee_corpus):
    if not no_spark_running() or sw._gateway_running():
        pytest.skip("a JVM from an earlier test serves this process; Java is not looked for")
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(sw.JavaMissing, match="Spark needs Java"):
        train(lee_corpus, spark_config(min_count=2))
    assert no_spark_running()


def test_pyspark_missing_gives_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # what Python does for an absent package
    with pytest.raises(NotInstalled) as caught:
        sw.require_pyspark()
    assert str(caught.value) == (
        "This needs the package 'pyspark'; install it with: pip install 'embedlab[spark]'"
    )


@needs_spark
def test_spark_conf_goes_over_the_quiet_local_settings(tmp_path, lee_corpus):
    config = spark_config(
        min_count=2, spark_conf=("spark.driver.memory=2g", "spark.ui.enabled=true")
    )
    pairs = sw._conf_pairs(sw.plan_spark_run(lee_corpus, config), tmp_path, 2, "test")
    assert pairs["spark.master"] == "local[2]"  # workers=2 cores of this machine
    assert pairs["spark.local.dir"] == str(tmp_path / "local")
    assert pairs["spark.driver.host"] == "127.0.0.1"  # a local run listens on loopback only
    assert pairs["spark.ui.showConsoleProgress"] == "false"
    assert pairs["spark.driver.memory"] == "2g"
    assert pairs["spark.ui.enabled"] == "true"  # the user's setting wins


# --- with Spark (slow) --------------------------------------------------------------------


@needs_spark
@pytest.mark.slow
def test_trains_on_local_spark_and_the_vectors_load(lee_corpus, tmp_path, capfd):
    from embedlab.formats import read_vectors, write_vectors

    events = []
    config = spark_config(dim=16, min_count=3, epochs=2, window=4, master="local[1]")
    emb = train(lee_corpus, config, events.append)

    vocab = [(w, c) for w, c in read_vocab(lee_corpus) if c >= 3]
    assert list(emb.words) == [w for w, _ in vocab]  # MLlib's vocabulary, most frequent first
    assert emb.counts.tolist() == [c for _, c in vocab]
    assert emb.dim == 16 and np.isfinite(emb.vectors).all()
    assert emb.meta["algo"] == sw.ALGO and emb.meta["loss"] == "hs"
    assert emb.meta["spark"]["master"] == "local[1]"
    assert emb.meta["spark"]["partitions"] == 1
    assert emb.meta["versions"]["spark"] == emb.meta["spark"]["spark_version"]
    assert emb.meta["mllib_params"]["maxIter"] == 2
    stages = [e.stage for e in events]
    assert stages[0] == "vocab" and stages[-1] == "done" and stages.count("vocab") == 1
    assert [e.epoch for e in events if e.stage == "epoch"][-1] == 2
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions)

    write_vectors(emb, tmp_path / "spark.txt", "word2vec")
    loaded = read_vectors(tmp_path / "spark.txt")
    assert loaded.words == emb.words
    np.testing.assert_allclose(loaded.vectors, emb.vectors, atol=1e-5)

    assert no_spark_running()  # the session embedlab started is stopped
    assert not list(Path(tempfile.gettempdir()).glob("embedlab-spark-*/jvm.log"))
    out, err = capfd.readouterr()
    assert "WARN" not in out + err and "log4j" not in out + err  # Spark's noise stays out


@needs_spark
@pytest.mark.slow
def test_a_callback_that_raises_cancels_the_spark_job(lee_corpus):
    class Stop(Exception):
        pass

    raised = []

    def on_progress(event):
        if event.stage == "epoch":
            raised.append(time.perf_counter())
            raise Stop

    config = spark_config(dim=16, min_count=2, epochs=200, master="local[1]")
    with pytest.raises(Stop):
        train(lee_corpus, config, on_progress)
    assert time.perf_counter() - raised[0] < sw.STOP_GRACE_SECONDS  # not 200 iterations
    assert no_spark_running()  # the job was cancelled and the session stopped


@needs_spark
@pytest.mark.slow
def test_an_input_spark_cannot_read_is_one_sentence(lee_corpus, tmp_path):
    missing = (tmp_path / "nowhere.txt").as_uri()
    config = spark_config(min_count=2, epochs=1, master="local[1]", input=missing)
    with pytest.raises(InputError) as caught:
        train(lee_corpus, config)
    assert str(caught.value).startswith(f"Spark cannot read the input '{missing}'")
    assert no_spark_running()


CHILD = textwrap.dedent(
    """
    import sys
    import embedlab.train.spark  # registers spark-word2vec
    from embedlab.jobs.corpora import add_corpus
    from embedlab.jobs.process import create_training_run, run_training
    from embedlab.store.workspace import Workspace
    from embedlab.train import TrainConfig

    ws = Workspace(sys.argv[1])
    corpus = add_corpus(ws, sys.argv[2], name="lee")
    config = TrainConfig(algo="spark-word2vec", dim=16, min_count=2, epochs=200, workers=1)
    run_id = create_training_run(ws, corpus.id, config)
    print("run", run_id, flush=True)
    run_training(ws, run_id, lambda e: print("progress", e.stage, flush=True))
    """
)


@needs_spark
@pytest.mark.slow
def test_sigterm_in_the_training_child_cancels_the_run(lee_corpus, tmp_path):
    from embedlab.store.workspace import Workspace

    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    source = tmp_path / "lee.txt"
    source.write_text((lee_corpus / "corpus.txt").read_text(encoding="utf-8"), encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "ws"), str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    run_id = None
    try:
        for line in child.stdout:
            if line.startswith("run "):
                run_id = int(line.split()[1])
            if line.strip() == "progress epoch":
                break
        child.send_signal(signal.SIGTERM)
        signalled = time.perf_counter()
        _, err = child.communicate(timeout=sw.STOP_GRACE_SECONDS + 60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0
    assert time.perf_counter() - signalled < sw.STOP_GRACE_SECONDS + 30
    assert "Cancelled" in err and "log4j" not in err
    run = Workspace(tmp_path / "ws").run(run_id)
    assert run.status == "cancelled"
    leftovers = list((tmp_path / "ws" / "tmp").glob("spark-*"))
    assert leftovers == []  # the Spark folder under the workspace's tmp/ was removed


@needs_spark
def test_a_plan_reads_the_local_corpus_and_is_json_ready(lee_corpus):
    plan = sw.plan_spark_run(lee_corpus, spark_config(min_count=2))
    assert json.loads(json.dumps(plan.params)) == plan.params
    assert plan.input == (lee_corpus / "corpus.txt").resolve().as_uri() and plan.clean_input
    remote = sw.plan_spark_run(lee_corpus, spark_config(min_count=2, input="hdfs://nn/lee.txt"))
    assert remote.input == "hdfs://nn/lee.txt" and not remote.clean_input
    with pytest.raises(InputError, match="does not exist"):
        sw.plan_spark_run(lee_corpus / "missing", spark_config())
