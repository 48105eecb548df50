"""The report's figures computed by DuckDB from the same rows: the reference of report_count.py.

The rows are exported once from the PostgreSQL database of the benchmark with `COPY ... TO
STDOUT` (CSV), loaded into an in-process DuckDB database (untimed, as the other databases'
import is), and every figure of the report that is counted — totals with matters and first-time
matters, every breakdown row, the clock items and the rates with their numerators and
denominators, both periods — is computed there by SQL written from contract B, not from the
counting package: distinct matters and first-time matters come from the registrations themselves,
deadlines from a table of (day, next working day) made from the product's calendar. `compare`
asserts that DuckDB's figures equal those of `build_report`'s JSON, so the reference is honest.
Ranks are not recomputed (they are orderings of the same figures among siblings).
"""

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

EXPORTS = {
    "registration": (
        "intake_registration",
        "id, matter_id, received_on, locality_id, channel, level, form, category_id, purpose, "
        "people, letter_kind, is_first::int AS is_first",
    ),
    "matter": (
        "intake_matter",
        "id, locality_id, responsible_unit_id, handling_method, decided_on, handling_deadline, "
        "extended_to, replied_on, evaluation, evaluated_on, package_started_on, "
        "supervision_level, supervision_started_on, supervision_due, resolved_on, "
        "last_received_on, review_requested_on, review_replied_on, rereview_requested_on, "
        "rereview_replied_on",
    ),
    "notice": ("workflow_supervisionnotice", "id, matter_id, kind, raised_on"),
    # 复查/复核 requests refused or withdrawn (一次性化解: any 复查申请 counts)
    "reviewapp": ("workflow_reviewapplication", "matter_id, stage, received_on"),
    "unit": ("organisation_orgunit", "id, code, path, depth"),
    "category": ("intake_category", "id, path"),
}
FIG = "COUNT(*) AS batches, COALESCE(SUM(people), 0) AS people"


def export(pg_url: str, directory: Path) -> dict[str, Path]:
    """CSV files of the columns the report reads, from PostgreSQL's COPY."""
    import psycopg

    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    with psycopg.connect(pg_url.replace("postgres://", "postgresql://")) as db:
        for name, (table, columns) in EXPORTS.items():
            files[name] = directory / f"{name}.csv"
            with files[name].open("wb") as fh, db.cursor() as cur:
                sql = f"COPY (SELECT {columns} FROM {table}) TO STDOUT WITH (FORMAT csv, HEADER)"
                with cur.copy(sql) as copy:
                    for block in copy:
                        fh.write(block)
    return files


def load(files: dict[str, Path], calendar_days: list[tuple[date, date]]) -> Any:
    import duckdb

    db = duckdb.connect()
    for name, path in files.items():
        db.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = true)")
    db.execute("CREATE TABLE cal (day DATE, deadline DATE)")
    db.executemany("INSERT INTO cal VALUES (?, ?)", calendar_days)
    return db


def calendar_days(start: date, end: date) -> list[tuple[date, date]]:
    """(day, the working day a deadline on it moves to) for every day that can land in P."""
    from xinfang.workflow.calendar import current_calendar

    cal, days, d = current_calendar(), [], start - timedelta(days=40)
    while d <= end:
        days.append((d, cal.next_working_day(d)))
        d += timedelta(days=1)
    return days


def figures(db: Any, node: str, cur: tuple[date, date], prev: tuple[date, date]) -> dict[str, Any]:
    """Every counted figure of the report for the unit `node` (code) and its subtree."""
    from xinfang.intake.choices import Evaluation, HandlingMethod

    started = time.perf_counter()
    n_path, n_depth = db.execute("SELECT path, depth FROM unit WHERE code = ?", [node]).fetchone()
    is_root = n_depth == 0  # an empty 问题属地 belongs to the root
    params = {"np": n_path, "root": is_root, "cs": cur[0], "ce": cur[1], "ps": prev[0]}
    params |= {"pe": prev[1], "d": n_depth + 2}
    # The node's rows: registrations by their 问题属地, matters by their first registration's.
    db.execute(
        literal(
            params,
            """CREATE OR REPLACE TEMP VIEW r AS
        SELECT r.*, CASE WHEN received_on BETWEEN $cs AND $ce THEN 0 ELSE 1 END AS bucket,
               COALESCE(TRY_CAST(string_split(trim(u.path, '/'), '/')[$d] AS BIGINT),
                        (SELECT id FROM unit WHERE path = $np)) AS child
        FROM registration r LEFT JOIN unit u ON u.id = r.locality_id
        WHERE (received_on BETWEEN $cs AND $ce OR received_on BETWEEN $ps AND $pe)
          AND (starts_with(u.path, $np) OR (r.locality_id IS NULL AND $root))""",
        )
    )
    db.execute(
        literal(
            params,
            """CREATE OR REPLACE TEMP VIEW m AS
        SELECT m.* FROM matter m LEFT JOIN unit u ON u.id = m.locality_id
        WHERE starts_with(u.path, $np) OR (m.locality_id IS NULL AND $root)""",
        )
    )
    out: dict[str, Any] = {}

    def ask(sql: str, values: dict[str, Any] | None = None) -> Any:
        return db.execute(sql, {k: v for k, v in (values or {}).items() if f"${k}" in sql})

    grouped = ask(
        f"""SELECT GROUPING(channel, level, form, category, purpose, child, unit) AS g, bucket,
               channel, level, form, category, purpose, child, unit, {FIG}
        FROM (SELECT r.*, c.path AS category, mt.responsible_unit_id AS unit FROM r
              LEFT JOIN category c ON c.id = r.category_id
              LEFT JOIN matter mt ON mt.id = r.matter_id)
        GROUP BY GROUPING SETS ((bucket), (bucket, channel), (bucket, level), (bucket, form),
            (bucket, channel, level), (bucket, channel, level, form), (bucket, category),
            (bucket, purpose), (bucket, child), (bucket, unit))"""
    ).fetchall()
    names = ("channel", "level", "form", "category", "purpose", "locality", "unit")
    cells: dict[tuple[str, Any], list[int]] = {}
    for g, bucket, *rest in grouped:
        keys, (batches, people) = rest[:7], rest[7:]
        present = [i for i in range(7) if not g & (1 << (6 - i))]
        name = ",".join(names[i] for i in present) or "totals"
        key = tuple("" if keys[i] is None and names[i] == "purpose" else keys[i] for i in present)
        cell = cells.setdefault((name, key), [0, 0, 0, 0])
        cell[bucket * 2 : bucket * 2 + 2] = [batches, people]
    out["cells"] = cells
    # B2 breakdowns["locality,channel,level"] (the node's children) and `letters`
    out["streets"] = ask(
        f"""SELECT bucket, child, channel, level, {FIG} FROM r
            WHERE child <> (SELECT id FROM unit WHERE path = $np) GROUP BY ALL""",
        params,
    ).fetchall()
    out["letters"] = ask(
        f"""SELECT GROUPING(kind, is_first, purpose), bucket, kind, is_first, purpose, {FIG}
            FROM (SELECT *, COALESCE(letter_kind, '') AS kind FROM r WHERE channel = 'letter')
            GROUP BY GROUPING SETS ((bucket), (bucket, kind), (bucket, is_first),
                                    (bucket, is_first, purpose))"""
    ).fetchall()
    matters = ask(
        """SELECT bucket, COUNT(DISTINCT matter_id) FROM
           (SELECT matter_id, CASE WHEN received_on BETWEEN $cs AND $ce THEN 0
                                   WHEN received_on BETWEEN $ps AND $pe THEN 1 END AS bucket
            FROM registration)
           WHERE bucket IS NOT NULL AND matter_id IN (SELECT id FROM m) GROUP BY bucket""",
        params,
    ).fetchall()
    out["matters"] = dict(matters)
    firsts = ask(
        """SELECT CASE WHEN f BETWEEN $cs AND $ce THEN 0 ELSE 1 END, COUNT(*) FROM
           (SELECT matter_id, min(received_on) AS f FROM registration GROUP BY matter_id)
           WHERE matter_id IN (SELECT id FROM m)
             AND (f BETWEEN $cs AND $ce OR f BETWEEN $ps AND $pe) GROUP BY 1""",
        params,
    ).fetchall()
    out["first_matters"] = dict(firsts)
    end = {"ce": cur[1], "cs": cur[0]}
    handled = [HandlingMethod.ACCEPT, HandlingMethod.ASSIGN, HandlingMethod.FORWARD]
    clock_sql = """SELECT COUNT(*), COUNT(*) FILTER (WHERE act <= cal.deadline AND act <= $ce)
        FROM ({items}) i JOIN cal ON cal.day = i.base WHERE cal.deadline BETWEEN $cs AND $ce"""
    clocks = {
        "acceptance": """SELECT CAST(min(r.received_on) + 15 AS DATE) AS base,
                           any_value(m.decided_on) AS act
                         FROM m JOIN registration r ON r.matter_id = m.id GROUP BY m.id""",
        "handling": f"""SELECT CAST(COALESCE(extended_to, handling_deadline, decided_on + 60)
                                    AS DATE) AS base, replied_on AS act
                        FROM m WHERE handling_method IN ({", ".join(f"'{h}'" for h in handled)})
                          AND decided_on <= $ce""",
        "supervision": """SELECT supervision_due AS base, resolved_on AS act FROM m
                          WHERE supervision_due IS NOT NULL
                            AND COALESCE(supervision_started_on <= $ce, true)""",
    }
    for part, items in clocks.items():
        den, num = ask(clock_sql.format(items=items), end).fetchone()
        out[part] = {"num": num, "den": den}
    satisfied = f"evaluation IN ('{Evaluation.SATISFIED}', '{Evaluation.BASICALLY_SATISFIED}')"
    evaluated = "evaluation <> '' AND (evaluated_on IS NULL OR evaluated_on <= $ce)"
    replied, ev, sat = ask(
        f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE {evaluated}),
                   COUNT(*) FILTER (WHERE {evaluated} AND {satisfied})
            FROM m WHERE replied_on BETWEEN $cs AND $ce""",
        end,
    ).fetchone()
    out["satisfaction"] = {"num": sat, "den": ev}
    out["evaluation_participation"] = {"num": ev, "den": replied}
    resolved = "resolved_on IS NOT NULL AND resolved_on <= $ce"
    den, num = ask(
        f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE {resolved}) FROM m
            WHERE package_started_on BETWEEN $cs AND $ce""",
        end,
    ).fetchone()
    out["package_resolution"] = {"num": num, "den": den}
    out["supervision_by_level"] = {
        level: {"num": num, "den": den}
        for level, den, num in ask(
            f"""SELECT supervision_level, COUNT(*), COUNT(*) FILTER (WHERE {resolved}) FROM m
                WHERE supervision_started_on BETWEEN $cs AND $ce GROUP BY 1""",
            end,
        ).fetchall()
    }
    out["b2_rates"] = b2_rates(ask, params)
    out["seconds"] = time.perf_counter() - started
    out["unit_codes"] = db.execute("SELECT code, id FROM unit").fetchall()
    return out


def literal(params: dict[str, Any], sql: str) -> str:
    """`sql` with its $parameters written in (a view cannot be prepared with parameters)."""
    for name, value in sorted(params.items(), key=lambda kv: -len(kv[0])):
        text = f"DATE '{value}'" if isinstance(value, date) else repr(value)
        sql = sql.replace(f"${name}", text.lower() if isinstance(value, bool) else text)
    return sql


def compare(duck: dict[str, Any], report: dict[str, Any]) -> int:
    """Assert that every counted figure of `report` equals DuckDB's; returns how many compared."""
    from xinfang.intake.choices import SupervisionLevel

    checked = 0

    def same(what: str, mine: Any, theirs: Any) -> None:
        nonlocal checked
        assert mine == theirs, f"{what}: report {mine} != DuckDB {theirs}"
        checked += 1

    cells = duck["cells"]
    ids = dict(duck["unit_codes"])
    totals = report["totals"]
    want = cells.get(("totals", ()), [0, 0, 0, 0])
    got = [totals["batches"], totals["people"]]
    got += [totals["previous"]["batches"], totals["previous"]["people"]]
    same("totals", got, want)
    for bucket, figures in ((0, totals), (1, totals["previous"])):
        same(f"matters {bucket}", figures["matters"], duck["matters"].get(bucket, 0))
        same(f"first {bucket}", figures["first_matters"], duck["first_matters"].get(bucket, 0))
    keyed = {
        "channel": ("channel",),
        "level": ("level",),
        "form": ("form",),
        "channel,level": ("channel", "level"),
        "channel,level,form": ("channel", "level", "form"),
        "category": ("category",),
        "purpose": ("purpose",),
        "locality": ("locality",),
        "unit": ("unit",),
    }
    for name, fields in keyed.items():
        seen = set()
        for row in report["breakdowns"][name]:
            key = tuple(row[f] for f in fields)
            if name == "purpose" and key == (None,):
                key = ("",)
            if name in ("locality", "unit"):
                key = tuple(ids.get(k) if k is not None else None for k in key)
            seen.add(key)
            got = [row["batches"], row["people"]]
            got += [row["previous"]["batches"], row["previous"]["people"]]
            same(f"{name} {key}", got, cells.get((name, key), [0, 0, 0, 0]))
        for (cell_name, key), value in cells.items():  # no row of DuckDB's left out
            if cell_name == name and key not in seen:
                same(f"{name} {key} missing from the report", [0, 0, 0, 0], value)
    _compare_streets_and_letters(duck, report, ids, same)
    compare_b2_rates(duck, report, same)
    rates, law = report["rates"], report["rule_of_law"]
    for rate, part in (("timely_acceptance", "acceptance"), ("on_time_reply", "handling")):
        same(rate, {k: rates[rate][k] for k in ("num", "den")}, duck[part])
    for part in ("acceptance", "handling", "supervision"):
        same(f"rule_of_law {part}", {k: law[part][k] for k in ("num", "den")}, duck[part])
    for rate in ("satisfaction", "evaluation_participation", "package_resolution"):
        same(rate, {k: rates[rate][k] for k in ("num", "den")}, duck[rate])
    total = [sum(v[k] for v in duck["supervision_by_level"].values()) for k in ("num", "den")]
    sup = rates["supervision_resolution"]
    same("supervision_resolution", [sup["num"], sup["den"]], total)
    levels = sup["by_level"]
    for code, label in SupervisionLevel.choices:
        got = {k: levels[label][k] for k in ("num", "den")}
        same(
            f"supervision {code}", got, duck["supervision_by_level"].get(code, {"num": 0, "den": 0})
        )
    return checked


def _four(row: dict[str, Any]) -> list[int]:
    return [row["batches"], row["people"], row["previous"]["batches"], row["previous"]["people"]]


def _compare_streets_and_letters(
    duck: dict[str, Any], report: dict[str, Any], ids: dict[str, int], same: Any
) -> None:
    """B2's street × level rows and `letters` against DuckDB's (every DuckDB cell present)."""
    want: dict[tuple[Any, ...], list[int]] = {}
    for bucket, child, channel, level, batches, people in duck["streets"]:
        want.setdefault((child, channel, level), [0, 0, 0, 0])[bucket * 2 : bucket * 2 + 2] = [
            batches,
            people,
        ]
    rows = report["breakdowns"]["locality,channel,level"]
    got = {(ids[r["locality"]], r["channel"], r["level"]): _four(r) for r in rows}
    same("locality,channel,level", got, want)
    letters: dict[tuple[Any, ...], list[int]] = {}
    for g, bucket, kind, first, purpose, batches, people in duck["letters"]:
        key = {
            0b111: ("all",),
            0b011: ("kind", kind),
            0b101: ("first" if first else "repeat",),
            0b100: ("first", purpose or None) if first else None,
        }[g]
        if key is not None:
            letters.setdefault(key, [0, 0, 0, 0])[bucket * 2 : bucket * 2 + 2] = [batches, people]
    mine = report["letters"]
    got = {("all",): _four(mine), ("first",): _four(mine["first"])}
    got[("repeat",)] = _four(mine["repeat"])
    got |= {("kind", r["kind"]): _four(r) for r in mine["kinds"]}
    got |= {("first", r["purpose"]): _four(r) for r in mine["first_by_purpose"]}
    zero = [0, 0, 0, 0]
    same("letters", {k: v for k, v in got.items() if v != zero}, letters)


def b2_rates(ask: Any, params: dict[str, Any]) -> dict[str, Any]:
    """B2's rates, reviews and 督办 by kind from the raw rows, as the rules at the top of
    xinfang/analytics/counting/rates.py write them (办结率, 一次性化解率 over the handling clock's
    items; 息访率 over the replies SETTLE_DAYS before P; 依法分类 over the first-time matters)."""
    from xinfang.analytics.counting.settings import domain_limit
    from xinfang.intake.choices import HandlingMethod

    days = domain_limit("SETTLE_DAYS")
    handled = ", ".join(
        f"'{h}'" for h in (HandlingMethod.ACCEPT, HandlingMethod.ASSIGN, HandlingMethod.FORWARD)
    )
    end = {"ce": params["ce"], "cs": params["cs"]}
    cmp_, one = ask(
        f"""SELECT COUNT(*) FILTER (WHERE replied_on <= $ce),
                   COUNT(*) FILTER (WHERE replied_on <= cal.deadline AND replied_on <= $ce
                       AND NOT COALESCE(review_requested_on <= $ce, false)
                       AND NOT EXISTS (SELECT 1 FROM reviewapp a
                                       WHERE CAST(a.matter_id AS BIGINT) = i.id
                                       AND a.stage = 'review'
                                       AND CAST(a.received_on AS DATE) <= $ce)
                       AND NOT EXISTS (SELECT 1 FROM registration g WHERE g.matter_id = i.id
                                       AND NOT g.is_first AND g.received_on <= $ce))
            FROM (SELECT *, CAST(COALESCE(extended_to, handling_deadline, decided_on + 60)
                                 AS DATE) AS base FROM m
                  WHERE handling_method IN ({handled}) AND COALESCE(decided_on <= $ce, true)) i
            JOIN cal ON cal.day = i.base WHERE cal.deadline BETWEEN $cs AND $ce""",
        end,
    ).fetchone()
    sd, sn = ask(
        f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE last_received_on <= replied_on
                   OR NOT EXISTS (SELECT 1 FROM registration g WHERE g.matter_id = m.id
                                  AND g.received_on > m.replied_on
                                  AND g.received_on <= m.replied_on + {days}))
            FROM m WHERE replied_on BETWEEN $cs - {days} AND $ce - {days}""",
        end,
    ).fetchone()
    (lgl,) = ask(
        f"""SELECT COUNT(*) FROM m WHERE id IN (SELECT matter_id FROM registration
                GROUP BY matter_id HAVING min(received_on) BETWEEN $cs AND $ce)
              AND handling_method = '{HandlingMethod.LEGAL_CHANNEL}'
              AND COALESCE(decided_on <= $ce, true)""",
        end,
    ).fetchone()
    reviews = {}
    for stage in ("review", "rereview"):
        req, dec = ask(
            f"""SELECT COUNT(*) FILTER (WHERE {stage}_requested_on BETWEEN $cs AND $ce),
                       COUNT(*) FILTER (WHERE {stage}_replied_on BETWEEN $cs AND $ce) FROM m""",
            end,
        ).fetchone()
        reviews[stage] = {"received": req, "decided": dec}
    resolved = "resolved_on IS NOT NULL AND resolved_on <= $ce"
    by_kind = {
        kind: {"num": num, "den": den}
        for kind, den, num in ask(
            f"""SELECT COALESCE((SELECT kind FROM notice n WHERE n.matter_id = m.id
                                 ORDER BY raised_on, id LIMIT 1), 'routine'),
                       COUNT(*), COUNT(*) FILTER (WHERE {resolved})
                FROM m WHERE supervision_started_on BETWEEN $cs AND $ce GROUP BY 1""",
            end,
        ).fetchall()
    }
    return {
        "cmp": cmp_,
        "one": one,
        "sd": sd,
        "sn": sn,
        "lgl": lgl,
        "reviews": reviews,
        "by_kind": by_kind,
    }


def compare_b2_rates(duck: dict[str, Any], report: dict[str, Any], same: Any) -> None:
    """B2's rates against DuckDB's: numerators and denominators (ranks are not recomputed)."""
    from xinfang.workflow.supervision_rules import SupervisionKind

    b2, rates = duck["b2_rates"], report["rates"]
    cells = duck["cells"]
    handling_den = duck["handling"]["den"]
    batches = cells.get(("totals", ()), [0, 0, 0, 0])[0]
    firsts = duck["first_matters"].get(0, 0)
    online = cells.get(("channel", ("online",)), [0, 0, 0, 0])[0]
    want = {
        "completion": (b2["cmp"], handling_den),
        "first_time_resolution": (b2["one"], handling_den),
        "settled": (b2["sn"], b2["sd"]),
        "repeat": (batches - firsts, batches),
        "legal_channel_share": (b2["lgl"], firsts),
        "online_share": (online, batches),
    }
    for key, (num, den) in want.items():
        same(key, (rates[key]["num"], rates[key]["den"]), (num, den))
    for stage, figures in b2["reviews"].items():
        got = report["reviews"][stage]
        same(f"reviews {stage}", (got["received"], got["decided"]), tuple(figures.values()))
    by_kind = rates["supervision_resolution"]["by_kind"]
    for code, label in SupervisionKind.choices:
        found = b2["by_kind"].get(code, {"num": 0, "den": 0})
        same(f"supervision {code}", {k: by_kind[label][k] for k in ("num", "den")}, found)
