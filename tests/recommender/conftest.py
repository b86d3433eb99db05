"""Fixtures of the text tests (issue 4): the ``clusters`` articles with readable astronomy and
biology texts, embedded by the real encoder (loaded once per test process)."""

from pathlib import Path

import numpy as np
import pytest

from articles.models import Article
from articles.services import article_create
from recommender.ml.text import TextEncoder
from recommender.training.embeddings import articles_embed
from recommender.training.mf import model_version_train_mf

ASTRONOMY = [
    "Dark matter halos around dwarf galaxies",
    "Exoplanet atmospheres observed with space telescopes",
    "The cosmic microwave background and the early universe",
    "Black hole mergers detected by gravitational wave observatories",
    "Spectroscopy of distant quasars",
    "Star formation in giant molecular clouds",
    "The expansion rate of the universe from supernova distances",
    "Rings and moons of the outer planets",
    "Neutron stars and pulsar timing",
    "Galaxy clusters and gravitational lensing",
    "Solar flares and the heliosphere",
    "Asteroid orbits in the early solar system",
    "Radio telescopes map the Milky Way",
    "Stellar nucleosynthesis in massive stars",
    "Cosmic inflation and the shape of space",
    "Comets from the Oort cloud",
    "White dwarfs and the fate of the Sun",
    "Searching for habitable planets around red dwarf stars",
    "Active galactic nuclei and supermassive black holes",
    "Dark energy surveys of the night sky",
]
BIOLOGY = [
    "Gene expression in fruit fly embryos",
    "Protein folding and molecular chaperones",
    "The gut microbiome and human health",
    "CRISPR gene editing in plant cells",
    "Evolution of antibiotic resistance in bacteria",
    "Stem cells and tissue regeneration",
    "DNA repair mechanisms in yeast",
    "Neurons and synapses in the mouse brain",
    "Photosynthesis in algae and green plants",
    "The immune response to viral infection",
    "Mitochondria and cellular energy metabolism",
    "Genome sequencing of endangered species",
    "Hormone signalling in insect development",
    "Cancer cell growth and tumour suppressor genes",
    "Coral reef ecosystems and symbiotic algae",
    "RNA interference silences genes",
    "Enzyme kinetics in bacterial metabolism",
    "Cell division and chromosome segregation",
    "Evolution of vertebrate limbs",
    "Epigenetics and DNA methylation in mammals",
]


@pytest.fixture(scope="session")
def _encodings_reused():
    """The real encoder's vectors, computed once per text per test process: the same 40 texts
    are embedded by many tests, and encoding them again would only cost time."""
    encode = TextEncoder.encode
    memo: dict[tuple[str, str], np.ndarray] = {}

    def reusing(self, texts, **kwargs):
        missing = [text for text in dict.fromkeys(texts) if (self.id, text) not in memo]
        if missing:
            memo.update(zip([(self.id, t) for t in missing], encode(self, missing), strict=True))
        if kwargs.get("progress") is not None:
            kwargs["progress"](len(texts))
        return np.stack([memo[(self.id, text)] for text in texts]) if texts else encode(self, [])

    patch = pytest.MonkeyPatch()
    patch.setattr(TextEncoder, "encode", reusing)
    yield
    patch.undo()


@pytest.fixture
def text_clusters(_encodings_reused, mf_settings, clusters):
    """``clusters`` with astronomy and biology titles and summaries, all embedded, and an
    embedding snapshot written (in the temporary artifact directory)."""
    for article, title in [
        *zip(clusters.a, ASTRONOMY, strict=True),
        *zip(clusters.b, BIOLOGY, strict=True),
    ]:
        subject = "astronomy" if article in clusters.a else "biology"
        article.title = title
        article.summary = f"A study in {subject}: {title.lower()}."
    Article.objects.bulk_update([*clusters.a, *clusters.b], ["title", "summary"])
    articles_embed()
    return clusters


@pytest.fixture
def text_mf_version(text_clusters):
    """An active MF version, with its text adapter, trained on the embedded clusters."""
    return model_version_train_mf()


@pytest.fixture
def publish_astronomy_article(text_clusters, django_capture_on_commit_callbacks):
    """Publishes a new astronomy article after the last training, as an editor would, with its
    on-commit work (embedding it) done; returns it."""

    def publish() -> Article:
        with django_capture_on_commit_callbacks(execute=True):
            return article_create(
                title="A new survey of spiral galaxies and their black holes",
                summary="Telescope observations of stars and galaxies in the distant universe.",
                status=Article.Status.PUBLISHED,
                topics=[text_clusters.astronomy],
            )

    return publish


@pytest.fixture
def two_subject_csvs(tmp_path):
    """Writes evaluate_offline's input files for two subjects of 6 articles (a0-a5, a6-a11)
    titled ``titles``: each of ``readers`` readers (alternating subjects) reads ``reads`` of
    their subject's articles (train.csv) and holds out the next one (test.csv)."""

    def write(titles: list[str], *, readers: int, reads: int) -> tuple[Path, Path, Path]:
        articles = tmp_path / "articles.csv"
        articles.write_text(
            "article_id,title\n" + "".join(f"a{i},{title}\n" for i, title in enumerate(titles))
        )

        def item(user: int, k: int) -> int:
            return 6 * (user % 2) + (user // 2 + k) % 6

        train, test = tmp_path / "train.csv", tmp_path / "test.csv"
        train.write_text(
            "user_id,article_id\n"
            + "".join(f"u{u},a{item(u, k)}\n" for u in range(readers) for k in range(reads))
        )
        test.write_text(
            "user_id,article_id\n" + "".join(f"u{u},a{item(u, reads)}\n" for u in range(readers))
        )
        return articles, train, test

    return write
