"""Signals the membership app sends to apps in higher tiers, which must not be imported from here.

`members_joined`: members joined the union (by hand, by import; not by transfer). Sent inside the writing
transaction with `union` and `members`, a list of (branch id, join date). Drives count them as 新发展会员
(drives.apps connects the receiver).
"""

from django.dispatch import Signal

members_joined = Signal()
