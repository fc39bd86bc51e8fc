"""Product sheets on a real ledger: the prefix-owner rule, the CLI, the brand's web forms, the verdict page and API."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli
from ledger.custody.ledger import Ledger
from ledger.errors import Conflict, NotProductOwner, RoleError, UnknownParty, UnknownProduct
from ledger.products.catalogue import (
    MAX_PICTURES,
    add_feature,
    add_picture,
    describe,
    picture_file,
    product_sheet,
    remove_feature,
    remove_picture,
)
from ledger.products.pictures import clean_picture
from ledger.products.sheet import FeatureText, ProductFacts
from tests.integration._cli import fail, run
from tests.integration._web import BOLT_GTIN, GTIN, WebLedger, build, csrf
from tests.unit._pictures import encoded, jpeg_with_gps

OTHER_GTIN = "09521234000013"  # also under acme's prefix 9521234


# -- the rule and the catalogue (every chain × database) -------------------------------------------


def test_only_the_prefix_owner_describes_a_product(ledger: Ledger) -> None:
    now = int(time.time())
    sheet = describe(ledger.engine, "acme", ProductFacts.parse(GTIN, "Acme Aspirin", "Pain relief", "20 tablets",
                                                               "protect@acme.example"), now)
    assert (sheet.brand, sheet.name, sheet.pack_size, sheet.pictures, sheet.features) == ("acme", "Acme Aspirin", "20 tablets", (), ())
    with pytest.raises(NotProductOwner, match=r"bolt may describe only its own products: GTIN 09521234543213 is not one "
                                              r"\(it is under prefix 9521234 of acme\)"):
        describe(ledger.engine, "bolt", ProductFacts.parse(GTIN, "Fake Aspirin"), now)
    with pytest.raises(NotProductOwner, match="under no GS1 company prefix bound"):
        describe(ledger.engine, "acme", ProductFacts.parse("04012345000016", "Unbound"), now)
    with pytest.raises(RoleError, match="customs may not describe products: that needs the brand role"):
        describe(ledger.engine, "customs", ProductFacts.parse(GTIN, "Aspirin"), now)
    with pytest.raises(UnknownParty):
        describe(ledger.engine, "ghost", ProductFacts.parse(GTIN, "Aspirin"), now)
    with pytest.raises(NotProductOwner):
        add_picture(ledger.engine, "bolt", GTIN, clean_picture(encoded("PNG")), now)
    assert product_sheet(ledger.engine, GTIN) == sheet  # nothing the refusals tried was written


def test_pictures_and_features(ledger: Ledger) -> None:
    engine, now = ledger.engine, int(time.time())
    with pytest.raises(UnknownProduct, match="describe it first"):
        add_picture(engine, "acme", GTIN, clean_picture(encoded("PNG")), now)
    describe(engine, "acme", ProductFacts.parse(GTIN, "Acme Aspirin"), now)
    front = clean_picture(encoded("PNG", colour="red"))
    sheet = add_picture(engine, "acme", GTIN, front, now)
    assert add_picture(engine, "acme", GTIN, front, now) == sheet  # the same picture twice is kept once
    hologram = clean_picture(jpeg_with_gps())
    sheet = add_feature(engine, "acme", GTIN, FeatureText.parse("The hologram turns green when tilted"), hologram, now)
    sheet = add_feature(engine, "acme", GTIN, FeatureText.parse("Blue stitching on the seal"), None, now)
    assert [p.sha256 for p in sheet.pictures] == [front.sha256]
    assert [(f.text, f.picture.sha256 if f.picture else None) for f in sheet.features] == [
        ("The hologram turns green when tilted", hologram.sha256), ("Blue stitching on the seal", None)]
    assert picture_file(engine, front.sha256).public and not picture_file(engine, hologram.sha256).public
    assert picture_file(engine, hologram.sha256).data == hologram.data
    public = sheet.public()
    assert public.features == () and public.contact == "" and public.pictures == sheet.pictures
    sheet = describe(engine, "acme", ProductFacts.parse(GTIN, "Acme Aspirin 500"), now)  # text again: the rest stays
    assert (sheet.name, len(sheet.pictures), len(sheet.features)) == ("Acme Aspirin 500", 1, 2)
    sheet = remove_feature(engine, "acme", GTIN, sheet.features[0].id, now)
    with pytest.raises(UnknownProduct):  # the feature's picture went with it
        picture_file(engine, hologram.sha256)
    with pytest.raises(UnknownProduct, match="feature 9999"):
        remove_feature(engine, "acme", GTIN, 9999, now)
    sheet = remove_picture(engine, "acme", GTIN, front.sha256, now)
    assert sheet.pictures == ()
    for n in range(MAX_PICTURES):
        add_picture(engine, "acme", GTIN, clean_picture(encoded("PNG", colour=(n, 0, 0))), now)
    with pytest.raises(Conflict, match=f"has {MAX_PICTURES} pictures already"):
        add_picture(engine, "acme", GTIN, clean_picture(encoded("PNG", colour=(99, 0, 0))), now)


# -- the command line (embedded chain, SQLite) ----------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("products") / "home"
    env = {"LEDGER_HOME": str(home), "LEDGER_PASSPHRASE": "cli passphrase", "LEDGER_KDF_ITERATIONS": "16",
           "LEDGER_CHAIN": "embedded", "LEDGER_DATABASE_URL": ""}
    for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"],
                 ["party", "add", "bolt", "--role", "brand", "--prefix", "0614141"]):
        assert CliRunner().invoke(cli, args, env=env).exit_code == 0
    return env




def test_cli_describes_a_product(env: dict[str, str], tmp_path: Path) -> None:
    front, hologram = tmp_path / "front.png", tmp_path / "hologram.jpg"
    front.write_bytes(encoded("PNG", (64, 48)))
    hologram.write_bytes(jpeg_with_gps())
    out = run(env, "product", "set", "--as", "acme", "--gtin", "9521234543213", "--name", "Acme Aspirin 500",
               "--description", "Pain relief", "--pack-size", "20 tablets", "--contact", "protect@acme.example")
    assert "09521234543213  Acme Aspirin 500  (brand acme)" in out and "pack size: 20 tablets" in out
    out = run(env, "product", "picture", "--as", "acme", "--gtin", GTIN, str(front))
    assert re.search(r"picture [0-9a-f]{64}  image/png 64×48", out)
    run(env, "product", "feature", "add", "--as", "acme", "--gtin", GTIN, "--text", "Hologram turns green", "--picture",
         str(hologram))
    shown = json.loads(run(env, "--json", "product", "show", "9521234543213"))
    assert shown["name"] == "Acme Aspirin 500" and shown["contact"] == "protect@acme.example"
    assert [p["media_type"] for p in shown["pictures"]] == ["image/png"]
    assert shown["features"][0]["text"] == "Hologram turns green"
    assert shown["features"][0]["picture"]["url"].startswith("/products/pictures/")
    assert "feature 1: Hologram turns green" in run(env, "product", "show", GTIN)
    run(env, "register", "--as", "acme", "--gtin", GTIN, "--count", "1")
    verdict = CliRunner().invoke(cli, ["verify", "--no-record", f"(01){GTIN}(21)1"], env=env)
    assert "  product Acme Aspirin 500, 20 tablets; identifying features: 1" in verdict.output, verdict.output
    answer = json.loads(CliRunner().invoke(cli, ["--json", "verify", "--no-record", f"(01){GTIN}(21)1"], env=env).output)
    assert answer["product"]["features"][0]["text"] == "Hologram turns green"  # the operator of the home sees it all


@pytest.mark.parametrize(("args", "code", "says"), [
    (["product", "set", "--as", "bolt", "--gtin", GTIN, "--name", "Fake"], 1, "bolt may describe only its own products"),
    (["product", "set", "--as", "acme", "--gtin", "9521234543214", "--name", "X"], 1, "check digit"),
    (["product", "set", "--as", "acme", "--gtin", GTIN, "--name", "  "], 1, "name '  ': is empty"),
    (["product", "show", OTHER_GTIN], 1, "GTIN 09521234000013 is not described on this ledger"),
    (["product", "picture", "--as", "acme", "--gtin", OTHER_GTIN, "README.md"], 1, "is not a JPEG, PNG or WebP picture"),
    (["product", "picture", "--as", "acme", "--gtin", GTIN, "/nonexistent.png"], 1, "cannot be read"),
    (["product", "feature", "add", "--as", "acme", "--gtin", GTIN, "--text", ""], 1, "feature '': is empty"),
    (["product", "feature", "remove", "--as", "acme", "--gtin", GTIN, "0"], 2, "0 is not in the range x>=1"),
])
def test_cli_refuses_bad_input(env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                               args: list[str], code: int, says: str) -> None:
    exit_code, err = fail(env, capsys, monkeypatch, *args)
    assert exit_code == code and says in err, err


def test_cli_product_commands_ask_no_passphrase(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["product", "show", BOLT_GTIN], env={**env, "LEDGER_PASSPHRASE": None}, input="")
    assert result.exit_code == 1 and "Keystore passphrase" not in result.output


# -- the web app (every chain × database) ---------------------------------------------------------


@pytest.fixture
def web(ledger: Ledger) -> WebLedger:
    return build(ledger)


def _form(client, path: str, data: dict[str, object], page: str = "/products"):  # type: ignore[no-untyped-def]
    token = csrf(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, content_type="multipart/form-data")


def test_a_brand_describes_its_product_on_the_web_and_officers_see_it(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    assert "Describe a product" in ann.get("/products").get_data(as_text=True)
    saved = _form(ann, "/products", {"gtin": "9521234543213", "name": "Acme Aspirin 500", "pack_size": "20 tablets",
                                     "contact": "protect@acme.example", "description": "Pain relief"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/products/{GTIN}")
    front = encoded("JPEG", (80, 60))
    added = _form(ann, f"/products/{GTIN}/pictures", {"picture": (io.BytesIO(front), "front.jpg")}, f"/products/{GTIN}")
    assert added.status_code == 302
    feature = _form(ann, f"/products/{GTIN}/features", {"text": "Hologram turns green",
                                                        "picture": (io.BytesIO(jpeg_with_gps()), "holo.jpg")}, f"/products/{GTIN}")
    assert feature.status_code == 302
    page = ann.get(f"/products/{GTIN}").get_data(as_text=True)
    assert "Hologram turns green" in page and "Acme Aspirin 500" in page

    # Anyone: the name, pack size and pictures on the verdict page and in the API; not the guide.
    anonymous = web.client()
    verdict = anonymous.get("/verify", query_string={"code": web.link(1)}, follow_redirects=True).get_data(as_text=True)
    assert 'id="product"' in verdict and "Acme Aspirin 500" in verdict and "20 tablets" in verdict
    assert "Hologram turns green" not in verdict and "protect@acme.example" not in verdict
    answer = anonymous.post("/api/v1/verify", json={"code": web.link(1)}).get_json()
    assert answer["verdict"] == "genuine" and answer["item"]["gtin"] == GTIN  # the existing fields stay
    assert answer["product"]["name"] == "Acme Aspirin 500" and answer["product"]["features"] == []
    picture_url = answer["product"]["pictures"][0]["url"]

    # An officer also sees the identification guide and the contact.
    olga = web.signed_in("olga")
    verdict = olga.get("/verify", query_string={"code": web.link(2)}, follow_redirects=True).get_data(as_text=True)
    assert "Hologram turns green" in verdict and "protect@acme.example" in verdict
    answer = anonymous.post("/api/v1/verify", json={"code": web.link(2)}, headers=web.bearer("olga")).get_json()
    feature_url = answer["product"]["features"][0]["picture"]["url"]

    # Pictures: content-addressed, cached for good, revalidated by ETag; a feature's picture for known parties only.
    served = anonymous.get(picture_url)
    sha = picture_url.rsplit("/", 1)[1]
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.headers["ETag"] == f'"{sha}"'
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.get(picture_url, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    assert anonymous.get(feature_url).status_code == 302  # to the sign-in page
    private = olga.get(feature_url)
    assert private.status_code == 200 and private.headers["Cache-Control"].startswith("private,")
    assert b"SecretCamera" not in private.data
    assert anonymous.get("/products/pictures/" + "0" * 64).status_code == 404
    assert anonymous.get("/products/pictures/..%2Fetc").status_code == 404

    # A change shows on the next verdict (the verifier keeps a sheet for seconds; the brand's edit drops it at once).
    assert _form(ann, "/products", {"gtin": GTIN, "name": "Acme Aspirin Forte"}, f"/products/{GTIN}").status_code == 302
    page = anonymous.get("/verify", query_string={"code": web.link(3)}, follow_redirects=True)
    assert "Acme Aspirin Forte" in page.get_data(as_text=True)
    # Another brand's product is not offered for editing.
    describe(web.ledger.engine, "bolt", ProductFacts.parse(BOLT_GTIN, "Bolt Bolts"), int(time.time()))
    bolt_page = ann.get(f"/products/{BOLT_GTIN}").get_data(as_text=True)
    assert "Describe a product" in bolt_page and "Bolt Bolts" not in bolt_page


def test_the_web_forms_refuse_bad_input_in_the_page(web: WebLedger) -> None:
    ann = web.signed_in("ann")
    refused = _form(ann, "/products", {"gtin": BOLT_GTIN, "name": "Not mine"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "acme may describe only its own products" in page and 'value="Not mine"' in page
    refused = _form(ann, "/products", {"gtin": "123", "name": "Aspirin"})
    assert refused.status_code == 400 and "is 3 digits long" in refused.get_data(as_text=True)
    _form(ann, "/products", {"gtin": GTIN, "name": "Acme Aspirin"})
    for upload, says in ((b"<svg/>", "is not a JPEG, PNG or WebP picture"),
                         (encoded("PNG", (6000, 5000), mode="1", colour=0), "declares 6,000 × 5,000 pixels"),
                         (b"", "picture &#39;&#39;: is missing")):
        refused = _form(ann, f"/products/{GTIN}/pictures", {"picture": (io.BytesIO(upload), "x.png" if upload else "")},
                        f"/products/{GTIN}")
        assert refused.status_code == 400 and says in refused.get_data(as_text=True), refused.get_data(as_text=True)
    refused = _form(ann, f"/products/{GTIN}/features", {"text": "tilt \x07 it"}, f"/products/{GTIN}")
    assert refused.status_code == 400 and "U+0007" in refused.get_data(as_text=True)
    no_csrf = ann.post("/products", data={"gtin": GTIN, "name": "X"})
    assert no_csrf.status_code == 400 and "form has expired" in no_csrf.get_data(as_text=True)
    olga = web.signed_in("olga")
    assert olga.get("/products").status_code == 403
    assert web.client().get("/products").status_code == 302  # sign in first
    assert product_sheet(web.ledger.engine, GTIN).name == "Acme Aspirin"  # type: ignore[union-attr]
