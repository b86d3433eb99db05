"""The site's icon: linked from every page, and answered at /favicon.ico, which browsers ask
for whatever the pages link to (issue 14 saw a 404 on every page)."""

import pytest

ICON = "/static/recsite/favicon.svg"


@pytest.mark.django_db
def test_every_page_links_the_icon(client):
    response = client.get("/")

    assert f'<link rel="icon" href="{ICON}" type="image/svg+xml">' in response.content.decode()


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico", follow=True)

    assert response.redirect_chain == [(ICON, 302)]
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"".join(response.streaming_content).startswith(b"<svg ")
