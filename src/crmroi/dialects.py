r"""What one engine spells differently: the few expressions Ibis does not make portable.

Every analysis is an Ibis expression, and Ibis compiles it for each backend. A few operations
do not carry over to PostgreSQL or Spark and get an engine-specific form here, used by the code that
needs them (so analysis modules stay free of backend checks):

* ``try_cast`` — Ibis compiles it to a plain ``CAST`` on PostgreSQL, which aborts the whole
  query at the first bad value instead of giving NULL. The workspace installs small PL/pgSQL
  functions that catch the cast's error (:data:`POSTGRES_FUNCTIONS`), and :func:`try_cast`
  calls them there.
* a struct cast to JSON, for the quarantine's raw values (PostgreSQL has none, Spark's drops the
  NULL members): :func:`json_object` builds the object from members the engine escapes.
* string literals on Spark: SQLGlot writes the control characters BEL, VT and FF as ``\a``,
  ``\v`` and ``\f``, escapes Spark does not know, so it reads the letters ``a``, ``v`` and
  ``f``. The import strips whitespace with such a literal, which cut ``one-off`` to ``one-o``
  and ``Kyiv`` to ``Kyi`` on Spark. :func:`spark_string_literals` writes them as ``\uXXXX``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

SAFE_CASTS = {
    "float64": "float8",
    "int64": "int8",
    "timestamp": "timestamp",
    "date": "date",
    "boolean": "boolean",
}
"""Ibis type → PostgreSQL type of a ``crmroi_try_<type>(text)`` function."""

POSTGRES_FUNCTIONS = tuple(
    f"CREATE OR REPLACE FUNCTION crmroi_try_{pg}(value text) RETURNS {pg} "
    "LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN value::" + pg + "; "
    "EXCEPTION WHEN others THEN RETURN NULL; END $$"
    for pg in SAFE_CASTS.values()
)
"""The functions :func:`try_cast` calls on PostgreSQL (installed by the workspace)."""


SPARK_ESCAPES = {"\x07": "\\u0007", "\x0b": "\\u000B", "\x0c": "\\u000C"}
"""Control characters whose SQLGlot escape Spark misreads, and the escape Spark reads right."""


def spark_string_literals() -> None:
    """Make Ibis write BEL, VT and FF in Spark SQL literals as escapes Spark understands.

    Idempotent; called when a workspace on Spark opens. It changes only Ibis's PySpark dialect.
    """
    from ibis.backends.sql.dialects import PySpark

    PySpark.ESCAPED_SEQUENCES = {**PySpark.ESCAPED_SEQUENCES, **SPARK_ESCAPES}


def _builtin(name: str, result: str) -> Callable[[ir.Value], ir.Value]:
    """The engine's own function ``name`` of one text argument, as an Ibis expression builder."""

    def call(value: Any) -> Any:
        """Compiled to ``name(value)``; never run in Python."""

    builder: Callable[[ir.Value], ir.Value] = ibis.udf.scalar.builtin(
        call, name=name, signature=(("string",), result)
    )
    return builder


_POSTGRES_TRY = {dtype: _builtin(f"crmroi_try_{pg}", dtype) for dtype, pg in SAFE_CASTS.items()}
"""Ibis type → the ``crmroi_try_<type>`` function that casts text to it on PostgreSQL."""


def backend_of(expr: ir.Expr) -> str:
    """The Ibis backend name of the connection ``expr`` is bound to (e.g. ``postgres``)."""
    return str(expr.get_backend().name)


def try_cast(text: ir.StringValue, dtype: str) -> ir.Value:
    """``text`` as ``dtype``, NULL where it is not one, on every engine."""
    if backend_of(text) != "postgres":
        return text.try_cast(dtype)
    if dtype not in _POSTGRES_TRY:
        raise NotImplementedError(f"no safe cast to {dtype} on PostgreSQL")
    result: ir.Value = _POSTGRES_TRY[dtype](text)
    return result


_pg_to_json = _builtin("to_json", "string")
"""PostgreSQL's ``to_json(text)``: the value as a JSON string literal, escaped."""


def json_object(values: dict[str, ir.StringValue], backend: str) -> ir.StringValue:
    """``{"name": value, …}`` as JSON text, from text values (SQL NULL → ``null``).

    DuckDB casts a struct to JSON. PostgreSQL has no struct type Ibis can cast, and Spark's
    ``to_json`` leaves out the members that are NULL, so on those two the object is concatenated
    from its members, each value escaped by the engine itself (:func:`_json_literal`).
    """
    if backend not in {"postgres", "pyspark"}:
        return ibis.struct(values).cast("json").cast("string")
    members = [
        ibis.literal(f'"{name}":') + _json_literal(value, backend) for name, value in values.items()
    ]
    body = members[0] if members else ibis.literal("")
    for member in members[1:]:
        body = body + "," + member
    return "{" + body + "}"


def _json_literal(value: ir.StringValue, backend: str) -> ir.StringValue:
    """``value`` as a JSON string literal (``null`` for NULL), escaped by the engine.

    PostgreSQL: ``to_json(text)``. Spark: ``to_json(array(value))`` keeps a NULL as ``[null]``
    (a struct would drop it); the brackets are cut off.
    """
    if backend == "postgres":
        literal: ir.StringValue = _pg_to_json(value).fill_null("null")
        return literal
    listed = ibis.array([value]).cast("json").cast("string")
    return listed.substr(1, listed.length() - 2)
