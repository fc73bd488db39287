"""The interface in Estonian: the catalogue is complete and compiled, and key pages render in Estonian
for a user whose saved language is "et" (each page: a few Estonian strings present, their English
originals absent)."""

import gettext as gettext_module
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from consortium.portal.periods.actions import do_create_period, do_open_period
from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition
from consortium.portal.reports.actions import do_create_report, do_publish
from consortium.portal.runs.models import AnalysisRun

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "et" / "LC_MESSAGES"
MINERS = [{"url": f"https://miner{i}.example", "secret": "", "public_key": ""} for i in range(3)]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


# --- the catalogue -------------------------------------------------------------------------------

def _unquote(line: str) -> str:
    return json.loads(line[line.index('"'):])  # a .po string literal is a JSON string literal here


def po_entries(path: Path = CATALOGUE / "django.po") -> list[dict]:
    """Each entry of the .po file: msgid, msgid_plural, msgstr (index -> text), flags."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry:
                entries.append(entry)
            entry = None
            continue
        entry = entry or {"flags": [], "msgstr": {}, "msgid_plural": None}
        if line.startswith("#,"):
            entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid_plural ", "msgid ", "msgctxt ")):
            field = line.split()[0]
            entry[field] = _unquote(line)
        elif line.startswith("msgstr"):
            field = int(line[7]) if line.startswith("msgstr[") else 0
            entry["msgstr"][field] = _unquote(line)
        elif isinstance(field, int):
            entry["msgstr"][field] += _unquote(line)
        else:
            entry[field] += _unquote(line)
    return [e for e in entries if e["msgid"]]  # the header is the entry with an empty msgid


def test_it_has_translated_every_entry_of_the_catalogue():
    entries = po_entries()
    assert len(entries) > 400
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    assert empty == []


def test_it_has_no_fuzzy_entry():
    assert [e["msgid"] for e in po_entries() if "fuzzy" in e["flags"]] == []


def test_every_translation_keeps_the_placeholders_and_the_markup():
    for e in po_entries():
        sources = {0: e["msgid"], 1: e["msgid_plural"] or e["msgid"]}
        for index, text in e["msgstr"].items():
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(sources[index])), text
            assert text.count("<strong>") == sources[index].count("<strong>"), text


def test_the_catalogue_declares_estonian_plurals():
    header = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert '"Language: et\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = gettext_module.GNUTranslations(mo)
    for e in po_entries():
        if e["msgid_plural"]:
            assert compiled.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr"][0]
            assert compiled.ngettext(e["msgid"], e["msgid_plural"], 5) == e["msgstr"][1]
        else:
            assert compiled.gettext(e["msgid"]) == e["msgstr"][0], e["msgid"]


def test_it_uses_the_singular_for_one_and_the_partitive_for_more():
    def values(n):
        return translation.ngettext("%(counter)s value", "%(counter)s values", n) % {"counter": n}

    with translation.override("et"):
        assert (values(1), values(7)) == ("1 väärtus", "7 väärtust")


# --- pages in Estonian ---------------------------------------------------------------------------

def estonian(user):
    user.language = "et"
    user.save(update_fields=["language"])
    return user


def assert_estonian(response, present, absent):
    assert response.status_code == 200
    assert response["Content-Language"] == "et"
    html = response.content.decode()
    assert '<html lang="et"' in html
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text


class ScriptData(HTMLParser):
    """The JSON of one <script type="application/json" id=...> in the page (json_script escapes
    non-ASCII letters, so the messages handed to the page's JavaScript are compared decoded)."""

    def __init__(self, element_id):
        super().__init__()
        self.element_id, self.inside, self.data = element_id, False, None

    def handle_starttag(self, tag, attrs):
        self.inside = tag == "script" and dict(attrs).get("id") == self.element_id

    def handle_data(self, data):
        if self.inside:
            self.data = json.loads(data)
            self.inside = False


def script_data(response, element_id):
    parser = ScriptData(element_id)
    parser.feed(response.content.decode())
    return parser.data


def test_the_login_page_is_in_estonian_for_a_visitor_who_chose_it():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "et"
    assert_estonian(client.get(reverse("accounts:login")),
                    present=["Kasutajanimi", "Parool", "Logi sisse", "Konsortsiumi võrdlusanalüüs"],
                    absent=["Username", "Password", "Log in", "Consortium benchmarking"])


def test_the_representatives_home_page_is_in_estonian(client_for, rep_a):
    assert_estonian(client_for(estonian(rep_a)).get(reverse("overview:home")),
                    present=["Tere tulemast, Anna", "Avaleht", "Aruanded", "Logi välja"],
                    absent=["Welcome", ">Home<", ">Reports<", "Log out", "Published reports"])


def test_the_staff_home_page_is_in_estonian(client_for, staff_user):
    assert_estonian(client_for(estonian(staff_user)).get(reverse("overview:home")),
                    present=["Halda perioode", "Analüüsid", "Auditilogi", "Haldus"],
                    absent=["Manage periods", "Audit log", ">Administration<", "Members and people"])


def test_the_board_home_page_is_in_estonian(client_for, board_user):
    assert_estonian(client_for(estonian(board_user)).get(reverse("overview:home")),
                    present=["Aruannete mustandid", "Vaata aruannete mustandeid"],
                    absent=["Draft reports", "Review draft reports", "What the members see."])


@override_settings(MINERS=MINERS)
def test_the_form_page_and_its_script_messages_are_in_estonian(client_for, rep_a):
    today = timezone.now().date()
    period = do_open_period(do_create_period("2026 annual", "annual", today, today), None)
    client = client_for(estonian(rep_a), csrf=True)
    url = f"/submissions/form/{period.pk}/"
    assert_estonian(client.get(url), present=["Alusta uut esitust", "Teie esitused"],
                    absent=["Start a new submission", "Your submissions"])
    response = client.post(url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert_estonian(response, present=["Teie andmed ei lahku kunagi sellest brauserist.", "Teie esitused",
                                       "alustage uut"],
                    absent=["Your figures never leave this browser.", "Your submissions", "start a new one"])
    messages = json.dumps(script_data(response, "form-messages"), ensure_ascii=False)
    assert "Palun täitke see väli." in messages
    assert "Please fill in this field." not in messages


def published_report(board_user):
    period = CollectionPeriod.objects.create(name="2025 H2", kind="semi_annual", state="closed",
                                             starts_on="2025-07-01", ends_on="2025-12-31")
    IndicatorDefinition.objects.create(period=period, code="employees", name="Töötajate arv", lo=0, hi=10**6,
                                       position=1)
    values = [3, 7, 12, 12, 25, 40]
    run = AnalysisRun.objects.create(period=period, state="done", request={"analyses": []}, results={
        "ring": 64, "indicators": {"employees": {"values": values, "count": len(values), "rejected": 1}}})
    return do_publish(do_create_report(run), board_user)


def test_the_report_page_is_in_estonian(client_for, rep_a, board_user):
    report = published_report(board_user)
    response = client_for(estonian(rep_a)).get(reverse("reports:detail", args=[report.pk]))
    assert_estonian(response,
                    present=["Võrdlusanalüüsi aruanne: 2025 H2", "Mediaan", "Alumine kvartiil",
                             "Kuhu jääks minu väärtus?", "Näita 6 sorditud väärtust",
                             "Laadi alla Exceli failina"],
                    absent=["Benchmarking report", "Median", "Lower quartile", "Where would my value stand?",
                            "sorted values", "Download as Excel"])
    messages = json.dumps(script_data(response, "report-data")["messages"], ensure_ascii=False)
    assert "ettevõttest" in messages and "companies reported less" not in messages


def test_the_explanation_page_is_in_estonian_with_the_estonian_picture(client_for, rep_a):
    response = client_for(estonian(rep_a)).get(reverse("accounts:how_it_works"))
    assert_estonian(response,
                    present=["Kuidas Teie andmeid kaitstakse", "Kellel on mis ja kes mida näeb",
                             "arvutussõlm", "osak", "Mida see ei kaitse", "data-flow.et.svg"],
                    absent=["How your figures are protected", "Who holds what", "What this does not protect",
                            "data-flow.svg"])


def test_the_admin_is_in_estonian_for_staff(client_for, staff_user):
    client = client_for(estonian(staff_user))
    assert_estonian(client.get(reverse("admin:index")),
                    present=["Konsortsiumi võrdlusanalüüs: haldus", "Perioodid, liikmed ja isikud"],
                    absent=["Consortium benchmarking: administration", "Periods, members and people"])
    assert_estonian(client.get(reverse("admin:periods_collectionperiod_changelist")),
                    present=["Kogumisperioodid"], absent=["Collection periods", "collection periods"])


def test_switching_to_estonian_is_saved_on_the_user_and_the_next_page_is_estonian(client_for, rep_a):
    client = client_for(rep_a, csrf=True)
    home = reverse("overview:home")
    assert "Welcome" in client.get(home).content.decode()
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("set_language"),
                           {"language": "et", "next": home, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    rep_a.refresh_from_db()
    assert rep_a.language == "et"
    assert_estonian(client_for(rep_a).get(home), present=["Tere tulemast"], absent=["Welcome"])


def test_the_language_switch_names_each_language_in_that_language(client_for, rep_a):
    html = client_for(estonian(rep_a)).get(reverse("overview:home")).content.decode()
    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="et" lang="et" selected>Eesti</option>' in html
    assert "inglise" not in html
