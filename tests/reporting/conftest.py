"""A county with two townships, four provisioned unions, officers with e-mail addresses, and an open reporting year.

示范县总工会 (county, reports to 示范市总工会 outside the platform)
├── 城关镇工会 (township): 华锐机械厂工会, 纺织厂工会
├── 东城街道工会 (street): 人民医院工会
└── 县直机关工会 (directly under the county)
"""

from __future__ import annotations

from tests.support.storage import local_storage, s3_bucket, s3_client, s3_endpoint  # noqa: F401 (fixtures)
from tests.support.worlds.reporting import world  # noqa: E402, F401 (the shared reporting world)
