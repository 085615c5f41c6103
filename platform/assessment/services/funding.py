"""Funding: the round's pool and its allocation by result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError

from .. import engine
from ..models import (
    FundingAllocation,
    FundingFormula,
    FundingPool,
    Grade,
    Result,
    Round,
    RoundStatus,
)
from ..scores import as_decimal
from .common import _actor_id, _error
from .results import _locked_round

# --- Funding -------------------------------------------------------------------------------------------------------

MAX_POOL_FEN = 10**13  # 1000亿元: far beyond any real pool, inside BIGINT


def _pool_params_errors(rnd: Round, formula: str, params: Mapping) -> tuple[list[FieldError], dict]:
    errors: list[FieldError] = []
    if formula == FundingFormula.PER_GRADE:
        grade_codes = set(Grade.objects.filter(standard_id=rnd.standard_id).values_list("code", flat=True))
        clean = {}
        for code, amount in (params or {}).items():
            if code not in grade_codes:
                errors.append(
                    FieldError(
                        f"params.{code}", "unknown_grade", _("考核标准中没有等级 %(code)s。") % {"code": code}
                    )
                )
            elif isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_POOL_FEN:
                errors.append(
                    FieldError(f"params.{code}", "invalid", _("每个等级的金额须为不小于 0 的整数（分）。"))
                )
            else:
                clean[code] = amount
        if not errors and not any(clean.values()):
            errors.append(FieldError("params", "required", _("请至少为一个等级设置大于 0 的金额。")))
        return errors, clean
    if formula == FundingFormula.PROPORTIONAL:
        threshold = as_decimal((params or {}).get("threshold"))
        ceiling = rnd.standard.base_max_points + rnd.standard.bonus_cap
        if threshold is None or threshold < 0 or threshold >= ceiling:
            errors.append(FieldError("params.threshold", "invalid", _("基准分须为 0 到满分之间的数值。")))
            return errors, {}
        return errors, {"threshold": str(threshold)}
    return [FieldError("formula", "invalid_choice", _("请选择有效的分配方式。"))], {}


def funding_pool_set(*, round: Round, amount_fen: int, formula: str, params: Mapping, actor) -> FundingPool:
    """Create or change the round's subsidy pool (until it has been allocated)."""
    with transaction.atomic():
        rnd = _locked_round(round)
        errors: list[FieldError] = []
        if (
            isinstance(amount_fen, bool)
            or not isinstance(amount_fen, int)
            or not 0 < amount_fen <= MAX_POOL_FEN
        ):
            errors.append(FieldError("amount_fen", "invalid", _("资金总额须为大于 0 的整数（单位：分）。")))
        param_errors, clean = _pool_params_errors(rnd, formula, params)
        errors += param_errors
        pool = FundingPool.objects.filter(round=rnd).first()
        if pool is not None and pool.allocated_at is not None:
            errors.append(FieldError("round", "allocated", _("该批次补助资金已分配，不能修改。")))
        if errors:
            raise DomainValidationError(errors)
        if pool is None:
            pool = FundingPool(round=rnd, created_by_id=_actor_id(actor))
        pool.amount_fen = amount_fen
        pool.formula = formula
        pool.params = clean
        pool.save()
        return pool


def funding_weights(pool: FundingPool, results: Sequence[Result]) -> list[tuple[int, Decimal]]:
    """(participant id, weight) for graded results; a veto or failed gate gets nothing (奖优罚劣)."""
    weights = []
    for result in results:
        if not result.grade:
            continue
        if pool.formula == FundingFormula.PER_GRADE:
            weight = Decimal(pool.params.get(result.grade, 0))
        else:
            weight = max(Decimal(0), result.total - Decimal(pool.params["threshold"]))
        weights.append((result.participant_id, weight))
    return weights


def funding_allocate(*, round: Round, actor, at) -> FundingPool:
    """Split the pool over the published results (largest remainder, sums exactly to the pool)."""
    with transaction.atomic():
        rnd = _locked_round(round)
        pool = FundingPool.objects.select_for_update().filter(round=rnd).first()
        if pool is None:
            raise _error("round", "no_pool", _("该批次尚未设置补助资金。"))
        if pool.allocated_at is not None:
            raise _error("round", "allocated", _("该批次补助资金已分配。"))
        if rnd.status != RoundStatus.PUBLISHED:
            raise _error("round", "not_published", _("考核结果公布后才能分配补助资金。"))
        weights = funding_weights(pool, list(Result.objects.filter(round=rnd).order_by("participant_id")))
        if not any(weight > 0 for _, weight in weights):
            raise _error("round", "nobody_eligible", _("没有符合分配条件的参评单位，无法分配补助资金。"))
        shares = engine.allocate(pool.amount_fen, weights)
        FundingAllocation.objects.bulk_create(
            [
                FundingAllocation(pool=pool, participant_id=pid, amount_fen=fen)
                for pid, fen in sorted(shares.items())
            ]
        )
        pool.allocated_at = at
        pool.save(update_fields=["allocated_at"])
        return pool
