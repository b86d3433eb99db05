import yaml
from django.core.management import call_command

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_schema_validates_without_warnings(tmp_path, db):
    out = tmp_path / "schema.yaml"

    # --fail-on-warn raises on any warning, e.g. an endpoint whose schema was not detected.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/auth/token/",
        "/api/articles/",
        "/api/articles/{id}/",
        "/api/topics/",
        "/api/interactions/",
        "/api/me/",
        "/api/me/export/",
        "/api/health/live",
        "/api/health/ready",
    } <= set(schema["paths"])


def test_every_operation_describes_its_responses(api_client, db):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)

    undescribed = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
        and not any(
            code == "204" or "content" in response
            for code, response in operation["responses"].items()
        )
    ]
    assert undescribed == []


def test_swagger_ui_is_served_without_a_cdn(api_client, db):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
