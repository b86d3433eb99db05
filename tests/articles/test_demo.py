import re
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.demo.generator import build_catalogue
from articles.demo.vocabulary import TOPICS
from articles.models import Article, Interaction, Topic

User = get_user_model()


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def state():
    return (
        sorted(Article.objects.values_list("external_id", "title", "summary", "published_at")),
        sorted(Topic.objects.values_list("name", "description")),
        sorted(User.objects.values_list("username", "password", "is_staff")),
        sorted(
            Interaction.objects.values_list(
                "user__username", "article__external_id", "event", "created_at", "import_key"
            )
        ),
    )


@pytest.mark.django_db
def test_demo_looks_like_a_real_site():
    # given
    now = timezone.now()

    # when
    out = load_demo()

    # then: the catalogue
    articles = Article.objects.filter(external_id__startswith="demo:")
    assert articles.count() == 386
    assert articles.filter(status=Article.Status.PUBLISHED).count() == 386
    assert not articles.filter(published_at__lt=now - timedelta(days=90)).exists()
    assert not articles.filter(summary="").exists()
    assert all(article.body.count("\n\n") == 3 for article in articles)
    topics = Topic.objects.exclude(description="")
    assert topics.count() == 12
    assert all(topic.articles.count() >= 25 for topic in topics)
    # and the behaviour
    interactions = Interaction.objects.all()
    assert interactions.count() == 8066
    assert not interactions.filter(created_at__lt=now - timedelta(days=60)).exists()
    assert User.objects.filter(interactions__isnull=False).distinct().count() == 181
    events = Counter(interactions.values_list("event", flat=True))
    assert set(events) == {"view", "read", "like", "bookmark", "share", "dislike"}
    assert events["view"] > events["read"] > events["like"] > events["share"]
    per_article = sorted(Counter(interactions.values_list("article", flat=True)).values())
    top_tenth = sum(per_article[-len(per_article) // 10 :])
    assert top_tenth > 0.4 * sum(per_article)  # a few articles get much of the attention
    # and the two logins
    editor, reader = User.objects.get(username="editor"), User.objects.get(username="reader")
    assert editor.is_staff and editor.groups.filter(name="Editors").exists()
    assert editor.check_password(settings.RECSITE_DEMO_PASSWORD)
    assert not reader.is_staff and reader.check_password(settings.RECSITE_DEMO_PASSWORD)
    assert reader.interactions.count() == 78
    assert out.endswith("Demo loaded. Logins: python manage.py demo_accounts\n")


@pytest.mark.django_db
def test_the_logins_are_printed_with_the_address_the_site_is_served_at():
    # given the demo loaded
    load_demo()

    # when its logins are asked for, as make demo does just before serving on port 8100
    out = StringIO()
    call_command("demo_accounts", url="http://127.0.0.1:8100/", stdout=out)

    # then both are printed, with that address
    password = settings.RECSITE_DEMO_PASSWORD
    assert out.getvalue() == (
        "Demo ready at http://127.0.0.1:8100/\n"
        f"  reader: username 'reader', password '{password}' (a reader with history)\n"
        f"  editor: username 'editor', password '{password}' "
        "(Editors group; admin at http://127.0.0.1:8100/admin/)\n"
    )


@pytest.mark.django_db
def test_no_logins_are_printed_before_the_demo_is_loaded():
    with pytest.raises(CommandError, match="run `manage.py load_demo` first"):
        call_command("demo_accounts", stdout=StringIO())


def test_readers_have_distinct_mixtures_of_interests():
    # when
    readers = build_catalogue().readers

    # then
    assert len(readers) == 181
    assert len({reader.interests for reader in readers}) == 181
    assert Counter(len(reader.interests) for reader in readers).keys() == {1, 2, 3}
    assert all(abs(sum(w for _, w in reader.interests) - 1) < 1e-9 for reader in readers)


@pytest.mark.django_db
def test_running_it_again_changes_nothing():
    # given
    load_demo()
    first = state()

    # when
    out = load_demo()

    # then
    assert state() == first
    assert "demo articles: 386 rows read, 0 created, 0 updated, 386 already present" in out
    assert "demo interactions: 8,066 rows read, 0 created, 0 updated, 8,066 already present" in out


@pytest.mark.django_db
def test_the_catalogue_is_the_same_on_every_run():
    # when
    load_demo()
    first, second = build_catalogue(), build_catalogue()

    # then
    assert first == second
    titles = dict(Article.objects.values_list("external_id", "title"))
    assert titles == {f"demo:{article.number}": article.title for article in first.articles}
    assert len(set(titles.values())) == len(titles)


@pytest.mark.django_db
def test_the_chinese_catalogue_loads_beside_the_english_one_and_only_once():
    # given the English demo
    load_demo()
    english = Article.objects.count()

    # when the Chinese one is loaded, twice
    call_command("load_demo", language="zh-hans", stdout=StringIO())
    first = state()
    out = StringIO()
    call_command("load_demo", language="zh-hans", stdout=out)

    # then it adds a smaller catalogue in Chinese, and the second run changes nothing
    chinese = Article.objects.filter(external_id__startswith="demo-zh-hans:")
    assert Article.objects.count() == english + chinese.count() == english + 94
    assert all(re.fullmatch(r"[\u4e00-\u9fff\uff0c\uff1a\u3001\u3002]+", a.title) for a in chinese)
    assert all(article.body.count("\n\n") == 3 for article in chinese)
    zh_topics = Topic.objects.filter(articles__in=chinese).distinct()
    assert zh_topics.count() == 8 and all(topic.description for topic in zh_topics)
    assert User.objects.filter(username__startswith="zh.").count() == 120
    assert state() == first
    assert "demo articles: 94 rows read, 0 created, 0 updated, 94 already present" in out.getvalue()


def test_every_demo_article_is_tagged_with_the_topics_of_its_subject():
    # given: which topics each subject of the vocabulary is about
    about = {subject: {topic.name} for topic in TOPICS for subject in topic.subjects}
    for topic in TOPICS:
        for subject, other in topic.also_about:
            about[subject].add(other)

    # when
    articles = build_catalogue().articles

    # then: each title names exactly one subject, the summary opens on it, and the article
    # carries exactly the topics that subject is about (no "travel insurance" under Cooking)
    for article in articles:
        named = [subject for subject in about if subject.lower() in article.title.lower()]
        assert len(named) == 1, (article.title, named)
        assert named[0].lower() in article.summary.split(".")[0].lower(), article.summary
        assert set(article.topics) == about[named[0]], (article.title, article.topics)
    # and every topic's cross-subjects name a real topic, so a second topic is never a typo
    assert {other for topic in TOPICS for _, other in topic.also_about} <= {t.name for t in TOPICS}
    assert 0.1 < sum(len(article.topics) == 2 for article in articles) / len(articles) < 0.3
