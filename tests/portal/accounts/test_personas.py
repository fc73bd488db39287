from django.urls import reverse


def test_it_logs_each_persona_in(client_for, rep_a, rep_b, staff_user, board_user):
    for user in (rep_a, rep_b, staff_user, board_user):
        response = client_for(user).get(reverse("overview:home"))
        assert response.status_code == 200
        assert response.wsgi_request.user == user


def test_it_gives_admin_access_to_staff_only(rep_a, staff_user, board_user):
    assert staff_user.is_staff
    assert not rep_a.is_staff and not board_user.is_staff
