"""Every write to people and access goes through these functions, one transaction each."""

from django.db import transaction

from .models import Role, User


@transaction.atomic
def do_create_user(username: str, password: str | None, role: str, company=None, **fields) -> User:
    """Create a person. `is_staff` (admin access) follows the role: staff get it, nobody else."""
    user = User(username=username, role=role, company=company, **fields)
    user.is_staff = role == Role.STAFF
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
