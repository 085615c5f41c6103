"""Query limits as graphql-core validation rules: depth, aliases, cost, and introspection switched off.

Cost: every field costs 1; a field that takes `first` (a connection) multiplies the cost of what is selected
under it by its page size (the literal, the variable's value, or the default page size). Introspection fields
(`__schema`, `__type`, `__typename`) are not counted; they are refused outright when introspection is off.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    parse,
    specified_rules,
    validate,
)
from graphql.validation.rules import overlapping_fields_can_be_merged

from .pagination import DEFAULT_PAGE_SIZE, max_page_size

# graphql-core's overlapping-fields rule compares fields pairwise and gives up ("Validation aborted.") when this
# budget is spent; its default (500,000) lets one request of ~2,000 repeated fields burn 1-2 s of CPU. Real client
# queries spend a few thousand (the module reads the attribute each time validation starts; documented knob).
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = 50_000


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


def _page_size(field_node: FieldNode, field_def, variables: dict) -> int | None:
    """The multiplier for a list field taking `first`; None for any other field."""
    if field_def is None or "first" not in field_def.args:
        return None
    for argument in field_node.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(int(value.value), 0)
        if isinstance(value, VariableNode):
            raw = variables.get(value.name.value)
            if isinstance(raw, float) and raw.is_integer():
                # graphql-core coerces 100.0 to the Int 100: measure it as 100, not as the default page size.
                raw = int(raw)
            if isinstance(raw, int) and not isinstance(raw, bool):
                return max(raw, 0)
            if raw is not None:
                # Anything else is refused by the schema; until then assume the largest page, never less.
                return max_page_size()
        return DEFAULT_PAGE_SIZE
    return DEFAULT_PAGE_SIZE


def measure_selection_set(
    selection_set: SelectionSetNode | None,
    parent_type,
    *,
    schema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict,
    depth: int = 0,
    visiting: frozenset[str] = frozenset(),
    memo: dict[str, Measure] | None = None,
) -> Measure:
    """Depth below, aliases within and cost of a selection set, with fragments expanded.

    Each named fragment is measured once (relative to where it is spread) and reused: a chain of fragments that
    each spread the next one twice would otherwise take 2^n steps to measure, a denial of service in a few lines.
    """
    memo = {} if memo is None else memo
    result = Measure(depth=depth)
    if selection_set is None:
        return result
    # Object and interface types have fields; unknown fields are reported by the standard rules.
    fields = getattr(parent_type, "fields", None) or {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if selection.alias is not None:
                result.aliases += 1  # aliases of __typename too: they multiply the response all the same
            if name.startswith("__"):
                continue
            field_def = fields.get(name)
            child_type = get_named_type(field_def.type) if field_def is not None else None
            child = measure_selection_set(
                selection.selection_set,
                child_type,
                schema=schema,
                fragments=fragments,
                variables=variables,
                depth=depth + 1,
                visiting=visiting,
                memo=memo,
            )
            multiplier = _page_size(selection, field_def, variables)
            result.cost += 1 + child.cost * (multiplier if multiplier is not None else 1)
            result.aliases += child.aliases
            result.depth = max(result.depth, child.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            fragment_type = (
                schema.get_type(selection.type_condition.name.value)
                if selection.type_condition
                else parent_type
            )
            inner = measure_selection_set(
                selection.selection_set,
                fragment_type,
                schema=schema,
                fragments=fragments,
                variables=variables,
                depth=depth,
                visiting=visiting,
                memo=memo,
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                continue  # unknown fragments and cycles are reported by the standard rules
            relative = memo.get(name)
            if relative is None:
                relative = measure_selection_set(
                    fragment.selection_set,
                    schema.get_type(fragment.type_condition.name.value),
                    schema=schema,
                    fragments=fragments,
                    variables=variables,
                    depth=0,
                    visiting=visiting | {name},
                    memo=memo,
                )
                memo[name] = relative
            inner = Measure(depth=depth + relative.depth, aliases=relative.aliases, cost=relative.cost)
        else:
            continue
        result.cost += inner.cost
        result.aliases += inner.aliases
        result.depth = max(result.depth, inner.depth)
    return result


def limit_rule(*, max_depth: int, max_aliases: int, max_cost: int, variables: dict | None):
    """A validation rule class checking one request's operations against the limits."""
    variables = variables if isinstance(variables, dict) else {}

    class QueryLimitsRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            schema = self.context.schema
            root_type = schema.get_root_type(node.operation)
            if root_type is None:
                return
            fragments = {
                definition.name.value: definition
                for definition in self.context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            measure = measure_selection_set(
                node.selection_set, root_type, schema=schema, fragments=fragments, variables=variables
            )
            if measure.depth > max_depth:
                self.report_error(
                    GraphQLError(
                        _("查询嵌套层数过深：最多允许%(max)s层，本查询为%(depth)s层。")
                        % {"max": max_depth, "depth": measure.depth},
                        node,
                        extensions={"code": "query_too_deep"},
                    )
                )
            if measure.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        _("查询中的别名过多：最多允许%(max)s个，本查询有%(count)s个。")
                        % {"max": max_aliases, "count": measure.aliases},
                        node,
                        extensions={"code": "too_many_aliases"},
                    )
                )
            if measure.cost > max_cost:
                self.report_error(
                    GraphQLError(
                        _("查询过于复杂：估算开销为%(cost)s，上限为%(max)s。请减少字段或每页条数（first）。")
                        % {"cost": measure.cost, "max": max_cost},
                        node,
                        extensions={"code": "query_too_costly"},
                    )
                )

    return QueryLimitsRule


class NoIntrospectionRule(ValidationRule):
    """Refuses `__schema` and `__type` (the schema is published as SDL instead); `__typename` stays allowed."""

    def enter_field(self, node: FieldNode, *_args):
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    _("已关闭内省查询（introspection），请参阅发布的GraphQL模式文件。"),
                    node,
                    extensions={"code": "introspection_disabled"},
                )
            )


def request_rules(config: dict, variables: dict | None) -> list:
    """Our rules, built for one request: the cost rule reads that request's variables and the settings decide
    introspection, so these are never cached."""
    rules = [
        limit_rule(
            max_depth=int(config["MAX_DEPTH"]),
            max_aliases=int(config["MAX_ALIASES"]),
            max_cost=int(config["MAX_COST"]),
            variables=variables,
        )
    ]
    if not config.get("INTROSPECTION", False):
        rules.append(NoIntrospectionRule)
    return rules


class InvalidDocument(Exception):
    def __init__(self, errors: list[GraphQLError]):
        super().__init__(errors)
        self.errors = errors


class _DocumentCache:
    """Checked documents by query text, least recently used first out, bounded by the total length of the cached
    query texts (a parsed document takes ~130 bytes per character of query)."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self._documents: OrderedDict[tuple, object] = OrderedDict()
        self._chars = 0
        self._lock = Lock()

    def get(self, key: tuple):
        with self._lock:
            document = self._documents.get(key)
            if document is not None:
                self._documents.move_to_end(key)
            return document

    def put(self, key: tuple, query: str, document) -> None:
        with self._lock:
            if key in self._documents:
                return
            self._documents[key] = document
            self._chars += len(query)
            while self._chars > self.max_chars:
                (_schema, old_query, _max_errors), _document = self._documents.popitem(last=False)
                self._chars -= len(old_query)


# Longer queries are parsed and checked on every request: the cache is for the usual client queries, and a flood
# of large one-off documents must not grow the process.
CACHED_QUERY_MAX_LENGTH = 5_000
# Lexical tokens per document (the client's largest queries have a few hundred); more is refused while parsing,
# before any validation rule runs.
MAX_TOKENS = 2_000
_documents = _DocumentCache(max_chars=100_000)


def _field_count(document) -> int:
    """Field selections written in the document (fragments counted where defined, not where spread)."""
    count, stack = 0, [d.selection_set for d in document.definitions if getattr(d, "selection_set", None)]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                count += 1
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)
    return count


def _checked_document(schema, query: str, max_errors: int | None, first_rules):
    try:
        document = parse(query, max_tokens=MAX_TOKENS)  # other syntax errors propagate
    except RecursionError:
        # Lists nested a thousand deep ([[[[...]]]]) exhaust the parser's recursion: a syntax error, not a 500.
        raise InvalidDocument(
            [GraphQLError(_("查询嵌套层数过深。"), extensions={"code": "query_too_deep"})]
        ) from None
    except GraphQLSyntaxError as error:
        if "more than" not in error.message or "tokens" not in error.message:
            raise
        raise InvalidDocument(
            [
                GraphQLError(
                    _("查询过长：最多允许%(max)s个词法单元。") % {"max": MAX_TOKENS},
                    extensions={"code": "query_too_long"},
                )
            ]
        ) from None
    # Our limits first: they are linear in the document, while some standard rules (overlapping fields) grow with
    # the square of the number of fields, so a query of many aliases is refused before it can cost seconds.
    if first_rules:
        errors = validate(schema, document, first_rules, max_errors=max_errors)
        if errors:
            raise InvalidDocument(errors)
    # Linear, before the standard rules: 2,000 repeated `__typename`s (not counted by the cost) made the standard
    # overlapping-fields rule spend ~1 s per request.
    max_fields = int(settings.UNIONHUB_GRAPHQL.get("MAX_FIELDS", 300))
    fields = _field_count(document)
    if fields > max_fields:
        raise InvalidDocument(
            [
                GraphQLError(
                    _("查询的字段过多：最多允许%(max)s个，本查询有%(count)s个。")
                    % {"max": max_fields, "count": fields},
                    extensions={"code": "too_many_fields"},
                )
            ]
        )
    errors = validate(schema, document, specified_rules, max_errors=max_errors)
    if errors:
        raise InvalidDocument(errors)
    return document


def checked_document(schema, query: str, max_errors: int | None = None, first_rules=()):
    """The parsed document of `query`, checked against graphql-core's standard rules, which depend on the schema
    and the query text only. Cached per query text (parsing and the standard rules took ~15% of a typical request);
    invalid queries are not cached. `first_rules` (the request's limits) run before the standard rules when the
    text is not cached; the caller still runs them on every request. Raises GraphQLSyntaxError or InvalidDocument.
    Documents are only read afterwards, never modified."""
    if len(query) > CACHED_QUERY_MAX_LENGTH:
        return _checked_document(schema, query, max_errors, first_rules)
    key = (schema, query, max_errors)
    document = _documents.get(key)
    if document is None:
        document = _checked_document(schema, query, max_errors, first_rules)
        _documents.put(key, query, document)
    return document
