"""Users with one role grant, for tests that build their own worlds."""


def make_user(username, role=None, **scope):
    from accounts.models import RoleGrant, User

    user = User.objects.create_user(username=username, password="x-unused-password-1")
    if role is not None:
        RoleGrant.objects.create(user=user, role=role, **scope)
    return user
