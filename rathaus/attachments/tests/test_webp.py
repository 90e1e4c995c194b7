"""WebP uploads are virus-scanned like every other file, as uploaded — before re-encoding could hide anything."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from rathaus.attachments import formats, testing
from rathaus.attachments.checks import UploadRejected, check_upload

WEBP_ONLY = (formats.WEBP,)


def _webp(color: tuple[int, int, int] = (20, 160, 90), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, format="WEBP", quality=90, **save)  # type: ignore[arg-type]
    return out.getvalue()


def _webp_with_eicar_in_its_metadata() -> bytes:
    """A valid WebP whose XMP chunk carries the EICAR text; re-encoding would drop it without a trace."""
    data = _webp(xmp=b"<x:xmpmeta>" + testing.eicar() + b"</x:xmpmeta>")
    assert formats.detect(data) == formats.WEBP and testing.eicar() in data
    return data


def test_webp_as_uploaded_is_what_the_scanner_sees(fake_scanner):
    data = _webp()

    checked = check_upload(("foto.webp", data), allowed_types=WEBP_ONLY)

    assert checked.content_type == formats.WEBP
    assert fake_scanner.calls == [data]  # the uploaded bytes, not the re-encoded ones


def test_webp_the_scanner_reports_is_refused(fake_scanner):
    data = _webp()
    fake_scanner.flag(data, "Rathaus.Test.Fake.WebP")

    with pytest.raises(UploadRejected) as exc:
        check_upload(("foto.webp", data), allowed_types=WEBP_ONLY)

    assert exc.value.code == "infected"
    assert "Rathaus.Test.Fake.WebP" in exc.value.message


def test_clean_webp_passes_the_real_scanner(clamav):
    checked = check_upload(("foto.webp", _webp()), allowed_types=WEBP_ONLY)

    assert checked.name == "foto.webp"
    assert checked.content_type == formats.WEBP


def test_eicar_in_webp_metadata_is_refused_by_clamd_not_cleaned_away(clamav):
    data = _webp_with_eicar_in_its_metadata()
    # Re-encoding alone would have made the file look clean: only a scan of the upload as sent finds it.
    assert testing.eicar() not in formats.normalise_image(data, formats.WEBP)

    with pytest.raises(UploadRejected) as exc:
        check_upload(("foto.webp", data), allowed_types=WEBP_ONLY)

    assert exc.value.code == "infected"
    assert testing.EICAR_SIGNATURE in exc.value.message


# --- a clamd whose signature database knows one particular WebP by its hash -------------------------------

FLAGGED_WEBP = _webp((230, 10, 10))
WEBP_SIGNATURE = "Rathaus.Test.WebP"


@pytest.fixture(scope="module")
def webp_clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A second clamd for this module: the repository's signatures plus an MD5 signature of FLAGGED_WEBP."""
    signatures = tmp_path_factory.mktemp("webp-signatures")
    for source in testing.SIGNATURE_DIR.glob("*.?db"):
        (signatures / source.name).write_bytes(source.read_bytes())
    md5 = hashlib.md5(FLAGGED_WEBP).hexdigest()  # clamd's .hdb format: MD5:size:name
    (signatures / "webp.hdb").write_text(f"{md5}:{len(FLAGGED_WEBP)}:{WEBP_SIGNATURE}\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(testing, "SIGNATURE_DIR", signatures)
        try:
            with testing.running_clamd(tmp_path_factory.mktemp("webp-clamd")) as sock:
                yield sock
        except testing.ClamdNotAvailable as exc:
            pytest.fail(f"clamd is needed for the virus-scanning tests: {exc}")


@pytest.fixture
def webp_clamd(settings, webp_clamd_socket: Path) -> Path:
    settings.RATHAUS_CLAMD_SOCKET = str(webp_clamd_socket)
    settings.RATHAUS_CLAMD_TCP = ""
    settings.RATHAUS_CLAMD_TIMEOUT = 10
    return webp_clamd_socket


def test_webp_matching_a_clamd_hash_signature_is_refused(webp_clamd):
    with pytest.raises(UploadRejected) as exc:
        check_upload(("urlaub.webp", FLAGGED_WEBP), allowed_types=(formats.PNG, formats.WEBP))

    assert exc.value.code == "infected"
    assert f"{WEBP_SIGNATURE}.UNOFFICIAL" in exc.value.message


def test_other_webp_passes_the_same_clamd(webp_clamd):
    assert check_upload(("urlaub.webp", _webp()), allowed_types=WEBP_ONLY).content_type == formats.WEBP
