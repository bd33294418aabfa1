"""The handler's client: vendored service model first on the search path, no SDK retries."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from ses_tenants._handler import ses_client

REPO_ROOT = Path(__file__).resolve().parents[2]


def vendor_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "vendor_sesv2_model.py"
    spec = importlib.util.spec_from_file_location("vendor_sesv2_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_model_is_the_installed_botocores() -> None:
    script = vendor_script()
    installed, vendored = script.installed_model_dir(), script.vendored_model_dir()

    assert vendored == ses_client.VENDORED_DATA_PATH / "sesv2" / "2019-09-27"
    for name in script.MODEL_FILES:
        assert (vendored / name).read_bytes() == (installed / name).read_bytes(), (
            f"{name} differs from botocore's: run scripts/vendor_sesv2_model.py"
        )


def test_the_vendor_script_copies_the_model(tmp_path: Path) -> None:
    script = vendor_script()

    copied = script.vendor(tmp_path)

    assert [path.name for path in copied] == list(script.MODEL_FILES)
    for path in copied:
        assert path.read_bytes() == (script.installed_model_dir() / path.name).read_bytes()


def test_the_client_loads_the_vendored_model() -> None:
    session = ses_client.new_session()
    loader = session.get_component("data_loader")

    assert loader.search_paths[0] == str(ses_client.VENDORED_DATA_PATH)
    _, path = loader.load_data_with_path("sesv2/2019-09-27/service-2")
    assert Path(path).is_relative_to(ses_client.VENDORED_DATA_PATH)
    client = ses_client.create_client(region_name="us-east-1")
    assert "PutTenantSuppressionAttributes" in client.meta.service_model.operation_names


def write_model(data_dir: Path, edit: Any) -> None:
    """A copy of the vendored sesv2 model under `data_dir`, changed by `edit(model)`."""
    target = data_dir / "sesv2" / "2019-09-27"
    target.mkdir(parents=True)
    source = ses_client.VENDORED_DATA_PATH / "sesv2" / "2019-09-27"
    model = json.loads(gzip.decompress((source / "service-2.json.gz").read_bytes()))
    edit(model)
    (target / "service-2.json").write_text(json.dumps(model))
    for name in ("endpoint-rule-set-1.json.gz", "paginators-1.json"):
        (target / name).write_bytes((source / name).read_bytes())


def test_the_model_in_the_data_path_wins_over_botocores(tmp_path: Path) -> None:
    def rename(model: dict[str, Any]) -> None:
        model["metadata"]["serviceFullName"] = "Vendored SES"

    write_model(tmp_path, rename)

    client = ses_client.create_client(tmp_path, region_name="us-east-1")

    assert client.meta.service_model.metadata["serviceFullName"] == "Vendored SES"


def test_a_model_without_the_tenant_operations_is_refused(tmp_path: Path) -> None:
    def drop_suppression(model: dict[str, Any]) -> None:
        del model["operations"]["PutTenantSuppressionAttributes"]

    write_model(tmp_path, drop_suppression)

    with pytest.raises(ses_client.OutdatedServiceModel) as raised:
        ses_client.create_client(tmp_path, region_name="us-east-1")
    assert "lacks PutTenantSuppressionAttributes" in str(raised.value)
    assert "scripts/vendor_sesv2_model.py" in str(raised.value)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def count_attempts_against_a_throttling_ses(client: Any) -> int:
    attempts = 0

    def throttle(request: Any, **_: Any) -> AWSResponse:
        nonlocal attempts
        attempts += 1
        headers = {"x-amzn-ErrorType": "TooManyRequestsException"}
        return AWSResponse(request.url, 429, headers, _Raw(b'{"message": "Slow down"}'))

    client.meta.events.register("before-send.sesv2", throttle)
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        client.get_tenant(TenantName="acme")
    return attempts


def test_botocore_does_not_retry_so_that_retries_are_counted_in_one_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No backoff sleeps in this test, whatever botocore would do.
    monkeypatch.setattr("time.sleep", lambda _: None)
    client = ses_client.create_client(region_name="us-east-1")

    assert count_attempts_against_a_throttling_ses(client) == 1


def test_why_the_config_says_total_max_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    # `max_attempts` counts retries, not attempts: 1 would still mean a second attempt.
    monkeypatch.setattr("time.sleep", lambda _: None)
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    client = ses_client.new_session().create_client("sesv2", region_name="us-east-1", config=config)

    assert count_attempts_against_a_throttling_ses(client) == 2


def test_the_module_client_is_created_once_and_replaceable() -> None:
    ses_client.set_client(None)
    try:
        first = ses_client.get_client()
        assert ses_client.get_client() is first
        ses_client.set_client("stand-in")
        assert ses_client.get_client() == "stand-in"
    finally:
        ses_client.set_client(None)
