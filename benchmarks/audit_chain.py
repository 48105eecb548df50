"""The cost of the audit chain and of sealed personal data: registration and one workflow step
(交办) with both, with the chain only, and with neither.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_audit \\
        .venv/bin/python benchmarks/audit_chain.py [n] [runs]

Migrates the (scratch) database, builds a small district, then times `n` registrations each
followed by a 交办 (two services, three audit rows), `runs` times with the chain as built and
`runs` times with core.chain.seal replaced by a stand-in that only fills the hash columns
(no lock, no read of the last hash, no SHA-256) — "before the chain" — and `runs` times with
that and with sealing (core.sealing: AES-GCM, HMAC-SHA256) replaced by stand-ins that keep the
values in clear — "before both". Interleaved; prints the medians.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from tests.conftest import ensure_default_categories, make_user
    from xinfang.accounts.models import Role, User
    from xinfang.core import chain
    from xinfang.intake.choices import Channel, Purpose
    from xinfang.intake.models import Category
    from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
    from xinfang.organisation.models import OrgUnit, UnitKind
    from xinfang.organisation.services import unit_create
    from xinfang.workflow.services import matter_assign

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    ensure_default_categories()
    district = OrgUnit.objects.filter(code="B320101").first()
    if district is None:
        city = unit_create(code="B3201", name="基准市", kind=UnitKind.CITY)
        district = unit_create(code="B320101", name="基准区", kind=UnitKind.DISTRICT, parent=city)
        unit_create(code="B32010190", name="基准住建局", kind=UnitKind.DEPARTMENT, parent=district)
        make_user("bench_officer", Role.OFFICER, district)
    from xinfang.workflow.models import CalendarYear

    for year in (timezone.localdate().year, timezone.localdate().year + 1):
        # the clocks of a matter registered today may end next year: its holidays must be known
        # (a year without exceptional days here: weekends only, as good as any for timing)
        CalendarYear.objects.get_or_create(year=year, defaults={"entered_at": timezone.now()})
    officer = User.objects.get(username="bench_officer")
    housing = OrgUnit.objects.get(code="B32010190")
    category = Category.objects.get(name="物业管理")

    def one_round(i: int) -> None:
        reg = registration_create(
            actor=officer,
            data=RegistrationInput(
                channel=Channel.VISIT,
                received_at=timezone.now(),  # steps may not be dated far back (workflow.entry)
                content=f"反映小区物业管理问题{i}",
                category=category,
                purpose=Purpose.REQUEST,
                locality=district,
                responsible_unit=None,
                petitioner=PersonInput(name="王小明", id_number="", phone="13800138000"),
            ),
        )
        matter = reg.matter
        matter_assign(
            actor=officer,
            matter=matter,
            version=matter.version,
            unit=housing,
            on=timezone.localdate(),
        )

    real_seal = chain.seal

    def no_chain(events, using):  # type: ignore[no-untyped-def]
        for event in events:
            event.prev_hash = event.row_hash = ""

    from xinfang.core import sealing

    # Sealing's stand-ins: values kept in clear, the "hash" the normalised value itself. Replaced
    # wherever a module imported the functions by name.
    class ClearHasher:
        def exact(self, value: str | None) -> str:
            return sealing.normalise(value)[:32] if value else ""

        def id_prefix(self, value: str | None, length: int = sealing.ID_PREFIX_LENGTH) -> str:
            text = sealing.normalise(value) if value else ""
            return text[:length] if len(text) >= length else ""

    real = {name: getattr(sealing, name) for name in ("seal", "unseal", "lookup_hash", "hasher")}
    clear_hasher = ClearHasher()
    clear = {
        "seal": lambda value: value,
        "unseal": lambda value: value,
        "lookup_hash": clear_hasher.exact,
        "hasher": lambda: clear_hasher,
    }

    def sealing_on(on: bool) -> None:
        for module in [m for name, m in sys.modules.items() if name.startswith("xinfang")]:
            for name, function in real.items():
                if getattr(module, name, None) in (function, clear[name]):
                    setattr(module, name, function if on else clear[name])

    def timed() -> float:
        started = time.perf_counter()
        for i in range(n):
            one_round(i)
        return (time.perf_counter() - started) / n * 1000

    one_round(-1)  # warm
    results: dict[str, list[float]] = {"neither": [], "chain": [], "chain + sealing": []}
    for _ in range(runs):  # interleaved, so load on the machine hits all alike
        chain.seal, _ = no_chain, sealing_on(False)
        results["neither"].append(timed())
        chain.seal = real_seal
        results["chain"].append(timed())
        sealing_on(True)
        results["chain + sealing"].append(timed())
    median = {name: statistics.median(values) for name, values in results.items()}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _support import commit

    print(f"commit {commit()}")
    print(f"{connection.vendor}: registration + 交办, {n} per run, {runs} runs, ms per pair")
    for name, values in results.items():
        print(f"  {name}: median {median[name]:.2f}  {[round(v, 2) for v in values]}")
    print(f"  ratio chain / neither: {median['chain'] / median['neither']:.3f}")
    print(f"  ratio chain + sealing / neither: {median['chain + sealing'] / median['neither']:.3f}")
    print(f"  ratio chain + sealing / chain: {median['chain + sealing'] / median['chain']:.3f}")
    print(f"  load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
