"""The audit log in admin shows each event's details as readable "key: value" lines, not raw JSON."""

import pytest

from consortium.portal.accounts import audit
from consortium.portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_list_and_the_event_show_key_value_lines(client_for, staff_user):
    event = audit.record(AuditEvent.Kind.ACCESS_CHANGED, staff_user, None, user="anna", user_id=7,
                         changes={"role": ["representative", "board"], "is_active": [True, False]})
    client = client_for(staff_user)
    for url in ("/admin/accounts/auditevent/", f"/admin/accounts/auditevent/{event.pk}/change/"):
        page = client.get(url).content.decode()
        lines = ("person: anna<br>person&#x27;s id: 7<br>"
                 "changes: role: representative → board; active: yes → no")
        assert lines in page, url
        assert "{&quot;" not in page and '{"user"' not in page


def test_the_labels_speak_estonian_for_estonian_staff(client_for, staff_user):
    staff_user.language = "et"
    staff_user.save(update_fields=["language"])
    audit.record(AuditEvent.Kind.REPORT_PUBLISHED, staff_user, None, report=3, period=2, run="abc")
    audit.record(AuditEvent.Kind.LOGIN, staff_user, None, stage="second factor")
    page = client_for(staff_user).get("/admin/accounts/auditevent/").content.decode()
    assert "aruanne: 3<br>periood: 2<br>analüüsikäik: abc" in page
    assert "samm: teine tegur" in page
