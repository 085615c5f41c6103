"""The access checks the isolation walk's controls take away, found by walking the loaded modules, and how to take
one away (decide as if the caller were the platform admin) or watch it (which calls went through it)."""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Helper:
    """One access check: `owner.name`, and how to take it away (`style`)."""

    label: str
    owner: object
    name: str
    style: str  # "context" (first argument a GraphQL context), "actor" (first argument an Actor), "method"

    @property
    def family(self) -> str:
        """The class (Actor, GraphQLContext) or module (api.reporting.access, drives.selectors) it belongs to."""
        return self.label.rsplit(".", 1)[0]


def access_helpers() -> list[Helper]:
    """The checks a control may take away: Actor's decisions (accounts.access), every domain `access_*` / `can_*`
    function taking the actor first (accounts.access.access_union, modelworkers.selectors.access_worker, ...),
    GraphQLContext's visibility checks, and every GraphQL fetch-and-authorise function (modules api.*.access,
    every `*_for(context, ...)` in api.*; ModelNode Meta.fetch points at these)."""
    import accounts.access as access
    import api.schema  # noqa: F401  (imports every api module)
    from api.core.context import GraphQLContext

    helpers = [
        Helper(f"Actor.{name}", access.Actor, name, "method")
        for name in (
            "can_on_node",
            "can_on_union",
            "node_filter",
            "union_filter",
            "branch_scope",
            "can_globally",
        )
    ]
    helpers += [
        Helper(f"GraphQLContext.{name}", GraphQLContext, name, "context-method")
        for name in ("can_see_node", "can_see_union", "union_visible")
    ]
    seen = set()
    for module_name, module in sorted(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if module is None or not any(f"/{root}/" in path for root in ("platform", "tenants")):
            continue
        if ".venv" in path or "site-packages" in path:
            continue
        for name, function in sorted(vars(module).items()):
            if not inspect.isfunction(function) or function.__module__ != module_name or function in seen:
                continue
            params = list(inspect.signature(function).parameters)
            if params[:1] == ["actor"] and name.startswith(("access_", "can_")):
                seen.add(function)
                helpers.append(Helper(f"{module_name}.{name}", module, name, "actor"))
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("api.") or module is None:
            continue
        for name, function in sorted(vars(module).items()):
            if not inspect.isfunction(function) or function.__module__ != module_name or function in seen:
                continue
            params = list(inspect.signature(function).parameters)
            if params[:1] == ["context"] and (name.endswith("_for") or module_name.endswith(".access")):
                seen.add(function)
                helpers.append(Helper(f"{module_name}.{name}", module, name, "context"))
    return helpers


def _platform_actor(platform_user):
    from accounts.access import Actor, GrantView

    return Actor(user=platform_user, grants=[GrantView("platform_admin", None, None, None, None, None)])


def _replace_everywhere(monkeypatch, original, replacement) -> None:
    """Point every module attribute and ModelNode Meta.fetch that holds `original` at `replacement` (callers import
    helpers by name, so patching the defining module alone would miss them)."""
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not namespace:
            continue
        for name, value in list(namespace.items()):
            if value is original:
                monkeypatch.setattr(module, name, replacement)
        # A check bound as a default argument (`check=selectors.can_view`) is replaced there too.
        for value in list(namespace.values()):
            if inspect.isfunction(value) and value.__defaults__ and original in value.__defaults__:
                defaults = tuple(replacement if d is original else d for d in value.__defaults__)
                monkeypatch.setattr(value, "__defaults__", defaults)
    from api.core.types import ModelNode

    for subclass in _all_subclasses(ModelNode):
        meta = getattr(subclass, "_meta", None)
        if meta is not None and getattr(meta, "fetch", None) is original:
            monkeypatch.setitem(meta.__dict__, "fetch", replacement)  # graphene freezes Options' setattr


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def wrap_helper(monkeypatch, helper: Helper, wrapper_factory) -> None:
    """Replace `helper` everywhere with wrapper_factory(original)."""
    original = inspect.getattr_static(helper.owner, helper.name)
    if helper.style in ("method", "context-method"):
        if isinstance(original, property):
            monkeypatch.setattr(helper.owner, helper.name, property(wrapper_factory(original.fget)))
        else:
            monkeypatch.setattr(helper.owner, helper.name, wrapper_factory(original))
        return
    _replace_everywhere(monkeypatch, original, wrapper_factory(original))


def recording(helper: Helper, record: set, granted: set):
    """Note each call of the helper in `record`; each object a fetch-and-authorise helper returned (access
    granted) in `granted` as (model name, pk)."""

    def factory(original):
        def wrapper(*args, **kwargs):
            record.add(helper.label)
            result = original(*args, **kwargs)
            if helper.style in ("context", "actor"):
                for item in result if isinstance(result, tuple) else (result,):
                    if hasattr(item, "pk"):
                        granted.add((type(item).__name__, str(item.pk)))
            return result

        return wrapper

    return factory


def without_check(helper: Helper, platform_user):
    """The helper deciding as if the caller were the platform admin: that one check taken away."""
    platform = _platform_actor(platform_user)

    def factory(original):
        if helper.style == "method":

            def as_platform(self, *args, **kwargs):
                return original(platform, *args, **kwargs)

            return as_platform
        if helper.style == "actor":

            def with_platform_actor(actor, *args, **kwargs):
                return original(platform, *args, **kwargs)

            return with_platform_actor

        def in_platform_context(context, *args, **kwargs):
            saved = context.actor
            context.actor = platform
            if hasattr(context, "_union_visible"):
                saved_visible, context._union_visible = context._union_visible, None
            try:
                return original(context, *args, **kwargs)
            finally:
                context.actor = saved
                if hasattr(context, "_union_visible"):
                    context._union_visible = saved_visible

        return in_platform_context

    return factory
