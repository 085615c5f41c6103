"""The demo county: one county federation, three townships/streets/park, twenty grassroots unions with branches,
and four demo logins. Loaded by `manage.py load_demo` (and so by `bash scripts/start`).

Loading is idempotent: every object is looked up by its natural key first (node name under its parent, union
slug, branch name under its parent, username, active grant), so a second run writes nothing. All writes go
through the services (node_create, union_provision, user_create, role_grant_create).

This module imports no models at import time, so scripts can read the definitions (hosts, logins) without Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.access import actor_for
from accounts.models import Role, RoleGrant, User
from accounts.services import role_grant_create, user_create
from assessment.demo import demo_assessment_load
from membership.models import Member
from membership.services import member_create
from modelworkers.demo import demo_modelworkers_load
from organisation.models import Branch
from people.identity import check_character
from web.demo import demo_web_load

from .models import FederationNode, Union, UnionStatus
from .services import node_create, union_provision, union_schema_create
from .validators import credit_code_check_character

# One password for every demo login: it passes AUTH_PASSWORD_VALIDATORS. Demo data only, never production.
DEMO_PASSWORD = "UnionHub-demo-2024"

COUNTY_NAME = "示范县总工会"
COUNTY_DIVISION_CODE = "330122"
CITY_FEDERATION_NAME = "示范市总工会"  # the city federation is not on the platform: reports go to it by name


@dataclass(frozen=True)
class DemoBranch:
    name: str
    kind: str = "branch"  # organisation.models.BranchKind
    small_home: bool = False  # 职工小家
    children: tuple[DemoBranch, ...] = ()


@dataclass(frozen=True)
class DemoUnion:
    slug: str
    name: str
    # The 9-character organisation code inside the credit code (positions 9-17); prefix and check are derived.
    org_code: str
    unit_type: str
    ownership_type: str
    staff_count: int
    female_staff_count: int
    founded_on: date
    branches: tuple[DemoBranch, ...]
    union_kind: str = "single"

    @property
    def credit_code(self) -> str:
        """GB 32100 code: registering authority + organisation type, division code, organisation code, check."""
        first17 = CREDIT_CODE_PREFIX[self.unit_type] + COUNTY_DIVISION_CODE + self.org_code
        return first17 + credit_code_check_character(first17)


# Registering authority and organisation type (first two characters) by unit type.
CREDIT_CODE_PREFIX = {
    "enterprise": "91",  # market regulation, enterprise
    "public_institution": "12",  # institution registration, public institution
    "government": "11",  # establishment office, government organ
    "social_organisation": "51",  # civil affairs, social association
    "other": "93",  # farmers' cooperatives and others
}


@dataclass(frozen=True)
class DemoNode:
    level: str
    name: str
    unions: tuple[DemoUnion, ...] = field(default=())


def B(name: str, *children: DemoBranch, kind: str = "branch", small_home: bool = False) -> DemoBranch:
    return DemoBranch(name=name, kind=kind, small_home=small_home, children=children)


def W(name: str, *children: DemoBranch, small_home: bool = False) -> DemoBranch:
    return DemoBranch(name=name, kind="workshop", small_home=small_home, children=children)


def G(name: str, small_home: bool = False) -> DemoBranch:
    return DemoBranch(name=name, kind="group", small_home=small_home)


SUB_NODES: tuple[DemoNode, ...] = (
    DemoNode(
        level="township",
        name="城关镇工会",
        unions=(
            DemoUnion(
                slug="renmin-yiyuan",
                name="示范县人民医院工会",
                org_code="470236518",
                unit_type="public_institution",
                ownership_type="state",
                staff_count=620,
                female_staff_count=431,
                founded_on=date(1985, 5, 1),
                branches=(
                    B("内科分会", G("心内科工会小组"), G("消化内科工会小组")),
                    B("外科分会", G("普外科工会小组"), G("骨科工会小组")),
                    B("护理分会", small_home=True),
                    B("机关后勤分会"),
                ),
            ),
            DemoUnion(
                slug="cgz-zhongxin-xiaoxue",
                name="示范县城关镇中心小学工会",
                org_code="470218843",
                unit_type="public_institution",
                ownership_type="state",
                staff_count=86,
                female_staff_count=61,
                founded_on=date(1992, 9, 10),
                branches=(G("语文教研组工会小组"), G("数学教研组工会小组"), G("后勤工会小组")),
            ),
            DemoUnion(
                slug="gongdian",
                name="国网示范县供电公司工会",
                org_code="MA2B7C4K1",
                unit_type="enterprise",
                ownership_type="state",
                staff_count=312,
                female_staff_count=74,
                founded_on=date(1998, 7, 1),
                branches=(
                    B("运维检修分会", G("变电运维班工会小组"), G("输电运检班工会小组")),
                    B("营销服务分会", small_home=True),
                    B("机关分会"),
                ),
            ),
            DemoUnion(
                slug="cgz-jiguan",
                name="示范县城关镇人民政府机关工会",
                org_code="002517830",
                unit_type="government",
                ownership_type="state",
                staff_count=58,
                female_staff_count=23,
                founded_on=date(2001, 3, 8),
                branches=(G("党政办工会小组"), G("农业农村办工会小组")),
            ),
            DemoUnion(
                slug="nongshang-yinhang",
                name="示范县农村商业银行股份有限公司工会",
                org_code="MA2C0F6L9",
                unit_type="enterprise",
                ownership_type="mixed",
                staff_count=245,
                female_staff_count=128,
                founded_on=date(2011, 12, 28),
                branches=(B("城关支行分会"), B("东城支行分会"), B("总行营业部分会", small_home=True)),
            ),
            DemoUnion(
                slug="cgz-xiaowei-lianhe",
                name="城关镇小微企业联合工会",
                org_code="MA2D4H8N3",
                unit_type="enterprise",
                ownership_type="private",
                union_kind="joint",
                staff_count=137,
                female_staff_count=66,
                founded_on=date(2016, 6, 15),
                branches=(B("餐饮行业分会"), B("美容美发行业分会"), B("汽修行业分会")),
            ),
            DemoUnion(
                slug="yongxing-chaoshi",
                name="示范县永兴超市有限公司工会",
                org_code="MA2E9J2P5",
                unit_type="enterprise",
                ownership_type="private",
                staff_count=96,
                female_staff_count=70,
                founded_on=date(2013, 4, 20),
                branches=(G("生鲜部工会小组"), G("收银部工会小组"), G("物流配送工会小组")),
            ),
        ),
    ),
    DemoNode(
        level="street",
        name="东城街道工会",
        unions=(
            DemoUnion(
                slug="dongcheng-weisheng",
                name="东城街道社区卫生服务中心工会",
                org_code="470261175",
                unit_type="public_institution",
                ownership_type="state",
                staff_count=74,
                female_staff_count=52,
                founded_on=date(2008, 10, 1),
                branches=(G("全科医生团队工会小组"), G("公共卫生科工会小组")),
            ),
            DemoUnion(
                slug="di-er-zhongxue",
                name="示范县第二中学工会",
                org_code="470209356",
                unit_type="public_institution",
                ownership_type="state",
                staff_count=168,
                female_staff_count=97,
                founded_on=date(1979, 9, 1),
                branches=(
                    B("高一年级分会"),
                    B("高二年级分会"),
                    B("高三年级分会"),
                    B("行政后勤分会", G("食堂工会小组")),
                ),
            ),
            DemoUnion(
                slug="gongjiao",
                name="示范县公共交通有限公司工会",
                org_code="MA2F1K5Q7",
                unit_type="enterprise",
                ownership_type="state",
                staff_count=283,
                female_staff_count=51,
                founded_on=date(2005, 1, 18),
                branches=(
                    B("城区客运站分会", small_home=True),
                    W("维修车间工会", G("保养班工会小组")),
                    B("一车队分会"),
                    B("二车队分会"),
                ),
            ),
            DemoUnion(
                slug="shangmaocheng-lianhe",
                name="东城街道商贸城联合工会",
                org_code="MA2G6L0R2",
                unit_type="enterprise",
                ownership_type="private",
                union_kind="joint",
                staff_count=210,
                female_staff_count=118,
                founded_on=date(2017, 8, 8),
                branches=(B("服装区分会"), B("小商品区分会"), B("餐饮区分会")),
            ),
            DemoUnion(
                slug="hengan-wuye",
                name="示范县恒安物业服务有限公司工会",
                org_code="MA2H3M7T4",
                unit_type="enterprise",
                ownership_type="private",
                staff_count=155,
                female_staff_count=83,
                founded_on=date(2015, 11, 11),
                branches=(G("保洁工会小组"), G("秩序维护工会小组"), G("工程维修工会小组")),
            ),
            DemoUnion(
                slug="kuaidi-lianhe",
                name="示范县快递物流行业联合工会",
                org_code="MA2J8N1U6",
                unit_type="enterprise",
                ownership_type="private",
                union_kind="joint",
                staff_count=320,
                female_staff_count=42,
                founded_on=date(2019, 5, 1),
                branches=(B("快递员分会", small_home=True), B("外卖配送员分会"), B("货运司机分会")),
            ),
            DemoUnion(
                slug="cishan-zonghui",
                name="示范县慈善总会工会",
                org_code="503318826",
                unit_type="social_organisation",
                ownership_type="other",
                staff_count=23,
                female_staff_count=14,
                founded_on=date(2012, 2, 16),
                branches=(G("项目部工会小组"),),
            ),
        ),
    ),
    DemoNode(
        level="park",
        name="经济开发区工会",
        unions=(
            DemoUnion(
                slug="huarui-jixie",
                name="示范县华锐精密机械有限公司工会",
                org_code="MA2K2P4W8",
                unit_type="enterprise",
                ownership_type="private",
                staff_count=860,
                female_staff_count=213,
                founded_on=date(2009, 6, 30),
                branches=(
                    W("机加工车间工会", G("甲班工会小组"), G("乙班工会小组")),
                    W("装配车间工会", G("总装线工会小组"), small_home=True),
                    W("热处理车间工会"),
                    B("机关分会"),
                ),
            ),
            DemoUnion(
                slug="dingsheng-fangzhi",
                name="示范县鼎盛纺织有限公司工会",
                org_code="MA2L7Q9X1",
                unit_type="enterprise",
                ownership_type="private",
                staff_count=540,
                female_staff_count=388,
                founded_on=date(2007, 3, 8),
                branches=(W("纺纱车间工会"), W("织造车间工会", G("织造一班工会小组")), W("印染车间工会")),
            ),
            DemoUnion(
                slug="lianfa-dianzi",
                name="示范县联发电子有限公司工会",
                org_code="MA2M1R3Y5",
                unit_type="enterprise",
                ownership_type="foreign",
                staff_count=1260,
                female_staff_count=702,
                founded_on=date(2012, 10, 10),
                branches=(
                    W("SMT车间工会", G("白班工会小组"), G("夜班工会小组")),
                    W("组装车间工会"),
                    W("品质部工会"),
                    B("研发中心分会"),
                ),
            ),
            DemoUnion(
                slug="hongda-xincailiao",
                name="示范县宏达新材料股份有限公司工会",
                org_code="MA2N5T6A3",
                unit_type="enterprise",
                ownership_type="mixed",
                staff_count=430,
                female_staff_count=96,
                founded_on=date(2014, 7, 1),
                branches=(W("一分厂车间工会"), W("二分厂车间工会"), B("技术中心分会", small_home=True)),
            ),
            DemoUnion(
                slug="kfq-jianzhu-lianhe",
                name="示范县经济开发区建筑业联合工会",
                org_code="MA2P9U8B7",
                unit_type="enterprise",
                ownership_type="private",
                union_kind="joint",
                staff_count=390,
                female_staff_count=35,
                founded_on=date(2020, 4, 28),
                branches=(B("项目部分会", G("钢筋班工会小组"), G("木工班工会小组")), B("农民工分会")),
            ),
            DemoUnion(
                slug="taifeng-shipin",
                name="示范县台丰食品有限公司工会",
                org_code="MA2Q3W2C9",
                unit_type="enterprise",
                ownership_type="hmt",
                staff_count=275,
                female_staff_count=169,
                founded_on=date(2010, 9, 9),
                branches=(W("烘焙车间工会"), W("包装车间工会"), G("仓储物流工会小组")),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    phone: str
    role: str  # accounts.models.Role
    scope: str  # "platform", "county", a sub-node name, or a union slug
    description: str  # English, for the start banner and README


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("platform_admin", "平台管理员", "13800000001", "platform_admin", "platform", "platform admin"),
    DemoLogin("county_admin", "王建国", "13800000002", "federation_admin", "county", "示范县总工会 admin"),
    DemoLogin(
        "chengguan_staff", "李秀英", "13800000003", "federation_staff", "城关镇工会", "城关镇工会 staff"
    ),
    DemoLogin("huarui_admin", "张伟", "13800000004", "union_admin", "huarui-jixie", "华锐机械 union admin"),
)

# Union hosts shown in the start banner.
BANNER_SLUGS = ("huarui-jixie", "renmin-yiyuan")


def demo_unions(unions_per_node: int | None = None) -> list[tuple[DemoNode, DemoUnion]]:
    """The unions to load, per sub-node in order; `unions_per_node` trims the demo (tests load a small one)."""
    selected = []
    for node in SUB_NODES:
        unions = node.unions if unions_per_node is None else node.unions[:unions_per_node]
        selected.extend((node, union) for union in unions)
    return selected


def _walk(branches: tuple[DemoBranch, ...]):
    for branch in branches:
        yield branch
        yield from _walk(branch.children)


def demo_branch_count(union: DemoUnion) -> int:
    return sum(1 for _ in _walk(union.branches))


@dataclass
class DemoLoadResult:
    created_nodes: int = 0
    created_unions: int = 0
    created_branches: int = 0
    created_users: int = 0
    created_grants: int = 0
    created_members: int = 0
    created_model_workers: int = 0
    unions: list = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.created_nodes,
                self.created_unions,
                self.created_branches,
                self.created_users,
                self.created_grants,
                self.created_members,
                self.created_model_workers,
            )
        )


def demo_load(*, unions_per_node: int | None = None, log=None) -> DemoLoadResult:
    """Create whatever of the demo county is missing. Safe to run any number of times."""
    log = log or (lambda message: None)
    result = DemoLoadResult()
    county = _node(result, level="county", name=COUNTY_NAME, parent=None)
    nodes = {COUNTY_NAME: county}
    for node_def in SUB_NODES:
        nodes[node_def.name] = _node(result, level=node_def.level, name=node_def.name, parent=county)
    for node_def, union_def in demo_unions(unions_per_node):
        union = _union(result, union_def, parent_node=nodes[node_def.name], log=log)
        result.unions.append(union)
        _branches(result, union, union_def.branches)
        _members(result, union, union_index=len(result.unions))
    unions_by_slug = {union.slug: union for union in result.unions}
    from membership.demo import demo_membership_load

    # In the first union: a retiree keeping membership and a pending 视为自动退会 proposal after a talk.
    if result.unions:
        demo_membership_load(union=result.unions[0])
    _logins(result, nodes=nodes, unions_by_slug=unions_by_slug)

    # The county's 2025 model-worker round (nominations, notice, award) and two earlier awards.
    result.created_model_workers = demo_modelworkers_load(county=county, unions_by_slug=unions_by_slug)

    # A running membership drive with targets, and two applications waiting in huarui-jixie's approval queue.
    demo_web_load(county=county, unions_by_slug=unions_by_slug)

    # Last year's 职工之家 round on the county's 100+3-point standard: published results, titles, funding.
    demo_assessment_load(county=county, unions_by_slug=unions_by_slug, city_name=CITY_FEDERATION_NAME)
    return result


def _node(result: DemoLoadResult, *, level: str, name: str, parent):
    existing = FederationNode.objects.filter(level=level, name=name, parent=parent).first()
    if existing is not None:
        return existing
    result.created_nodes += 1
    if parent is None:
        return node_create(
            level=level,
            name=name,
            division_code=COUNTY_DIVISION_CODE,
            report_recipient_name=CITY_FEDERATION_NAME,
        )
    # Townships and streets carry 9-digit codes in reality; the tree stores the county's 6-digit division code.
    return node_create(level=level, name=name, division_code=parent.division_code, parent=parent)


def _union(result: DemoLoadResult, union_def: DemoUnion, *, parent_node, log):
    existing = Union.objects.filter(slug=union_def.slug).first()
    if existing is not None:
        if existing.status == UnionStatus.PROVISIONING:
            # Registered but its schema task never ran (e.g. no worker): finish it here.
            existing = union_schema_create(union=existing)
        return existing
    log(f"provisioning {union_def.slug} ({union_def.name})")
    result.created_unions += 1
    return union_provision(
        slug=union_def.slug,
        name=union_def.name,
        credit_code=union_def.credit_code,
        unit_type=union_def.unit_type,
        ownership_type=union_def.ownership_type,
        union_kind=union_def.union_kind,
        staff_count=union_def.staff_count,
        female_staff_count=union_def.female_staff_count,
        founded_on=union_def.founded_on,
        parent_node=parent_node,
    )


def _branches(result: DemoLoadResult, union, branches: tuple[DemoBranch, ...]) -> None:
    def create(defs: tuple[DemoBranch, ...], parent) -> None:
        for order, branch_def in enumerate(defs, start=1):
            branch, created = Branch.objects.get_or_create(
                parent=parent,
                name=branch_def.name,
                defaults={
                    "kind": branch_def.kind,
                    "is_small_home": branch_def.small_home,
                    "sort_order": order,
                },
            )
            result.created_branches += int(created)
            create(branch_def.children, branch)

    with schema_context(union.schema_name), transaction.atomic():
        create(branches, None)


# A handful of members per union: (name, female, employment type, birth date, join date). Identity numbers are
# built from the county's area code with a correct check character; they are fictitious.
DEMO_MEMBERS: tuple[tuple[str, bool, str, str, str], ...] = (
    ("王芳", True, "regular", "19860412", "2012-05-08"),
    ("李强", False, "regular", "19790923", "2008-03-15"),
    ("张敏", True, "agency", "19930117", "2019-07-01"),
    ("刘洋", False, "migrant", "19900605", "2021-04-20"),
    ("陈静", True, "new_form", "19970830", "2024-11-02"),
    ("赵磊", False, "migrant", "19881211", "2025-10-15"),
)


def demo_id_number(union_index: int, member_index: int, birth: str, female: bool) -> str:
    sequence = f"{union_index % 100:02d}{(2 * member_index + (0 if female else 1)) % 10}"
    first17 = f"{COUNTY_DIVISION_CODE}{birth}{sequence}"
    return first17 + check_character(first17)


def _members(result: DemoLoadResult, union, *, union_index: int) -> None:
    """Create the demo members through membership.services (a union that has members is left alone)."""
    with schema_context(union.schema_name):
        if Member.objects.exists():
            return
        branches = list(Branch.objects.order_by("sort_order", "id"))
    today = timezone.localdate()
    for index, (name, female, employment, birth, joined) in enumerate(DEMO_MEMBERS):
        join_date = min(date.fromisoformat(joined), today)
        member_create(
            union=union,
            name=name,
            id_number=demo_id_number(union_index, index, birth, female),
            employment_type=employment,
            join_date=join_date,
            phone=f"139{union_index:04d}{index:04d}",
            ethnicity="汉族",
            branch=branches[index % len(branches)] if branches else None,
        )
        result.created_members += 1


def _logins(result: DemoLoadResult, *, nodes: dict, unions_by_slug: dict) -> None:
    users = {}
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = user_create(
                username=login.username, password=DEMO_PASSWORD, full_name=login.full_name, phone=login.phone
            )
            result.created_users += 1
        users[login.username] = user

    # Bootstrap: nobody stands above the platform admin to grant that role, so its row is written directly;
    # the other grants go through role_grant_create, made by the platform admin.
    platform_login = next(login for login in DEMO_LOGINS if login.role == Role.PLATFORM_ADMIN)
    platform_admin = users[platform_login.username]
    if not RoleGrant.objects.active().filter(user=platform_admin, role=Role.PLATFORM_ADMIN).exists():
        RoleGrant.objects.create(user=platform_admin, role=Role.PLATFORM_ADMIN)
        result.created_grants += 1
    if not (platform_admin.is_staff and platform_admin.is_superuser):
        # Lets the platform admin into the Django admin on the public host.
        User.objects.filter(pk=platform_admin.pk).update(is_staff=True, is_superuser=True)

    actor = actor_for(platform_admin)
    for login in DEMO_LOGINS:
        if login.role == Role.PLATFORM_ADMIN:
            continue
        if login.scope == "county":
            target = {"node": nodes[COUNTY_NAME]}
        elif login.scope in nodes:
            target = {"node": nodes[login.scope]}
        elif login.scope in unions_by_slug:
            target = {"union": unions_by_slug[login.scope]}
        else:
            continue  # a reduced demo may leave that union out
        user = users[login.username]
        if RoleGrant.objects.active().filter(user=user, role=login.role, **target).exists():
            continue
        role_grant_create(actor=actor, user=user, role=login.role, **target)
        result.created_grants += 1
