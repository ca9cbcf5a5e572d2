"""The Spark trainer's settings as people read them (TrainConfig declares them with this help;
importing it does not register the trainer, so the algorithm list keeps its order).

>>> "partitions" in PARTITIONS_HELP
True
"""

from __future__ import annotations

PARTITIONS_HELP = (
    "Spark splits the corpus into this many parts, each trained on its own copy of the "
    "vectors and averaged after every iteration: more partitions run in parallel (faster) "
    "but each sees less of the corpus, so the vectors get worse; 1 (MLlib's default) is the "
    "most accurate."
)
MASTER_HELP = (
    "Where Spark runs: empty for this machine (local[N], N = workers), spark://host:7077 for "
    "a standalone cluster, or yarn / k8s://...; under spark-submit, empty keeps its --master."
)
INPUT_HELP = (
    "The corpus as the cluster reads it (hdfs://, s3a://, or file:// on shared storage), the "
    "same text as the local corpus, whose vocab.tsv gives the counts; empty: the local "
    "corpus.txt (local masters only)."
)
SPARK_CONF_HELP = "An extra Spark setting, key=value (repeatable), e.g. spark.driver.memory=4g."
