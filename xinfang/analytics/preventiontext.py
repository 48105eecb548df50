"""The sentences of the prevention figures (B2 `hearings`, `meetings`, `handed_down`,
`disputes`), in the seeds' manner, from the figures that xinfang.analytics.counting.prevention
counts — words here, counts there."""

from typing import Any

from xinfang.hearings.choices import HearingStage


def share_text(share: dict[str, Any] | None) -> str:
    """ "40.0%", or "无" when there is nothing to share (no hearing, or nothing decided)."""
    return f"{share['pct']}%" if share and share["den"] else "无"


def hearing_sentence(figures: dict[str, Any]) -> str:
    """In seed 002's manner: “开展信访听证25件，信访事项办理、复查、复核中听证占比分别为…”."""
    stages = figures["by_stage"]
    if not figures["held"] and all(s["share"] is None for s in stages.values()):
        return "未开展信访听证。"
    shares = "、".join(share_text(stages[stage]["share"]) for stage in HearingStage.values)
    return f"开展信访听证{figures['held']}件，信访事项办理、复查、复核中听证占比分别为{shares}。"


def _casework_pct(text: str) -> str:
    """ "100.0" → "100", "95.2" stays: the seeds print whole rates without a decimal."""
    return text[:-2] if text.endswith(".0") else text


def casework_handed_down_sentence(row: dict[str, Any], place: str = "我区") -> str:
    """Seed 002's manner: “中央第一批交办我县信访积案21件，已化解21件，化解率100%，…回流2件”.
    The batch is named with its level (中央/省/市) unless its name already says it: each level
    has its own 第一批."""
    rate = f"化解率{_casework_pct(row['rate']['pct'])}%" if row["matters"] else "无化解率"
    who = row["name"] if row["source"] in row["name"] else f"{row['source']}{row['name']}"
    return (
        f"{who}交办{place}信访积案{row['matters']}件，已化解{row['resolved']}件，"
        f"{rate}，通过审核{row['verified']}件，已化解后回流{row['reflowed']}件。"
    )


def _group_phrase(g: dict[str, Any]) -> str:
    state = "已全部办结" if g["done"] == g["assigned"] else f"已办结{g['done']}个"
    return f"{g['group']}有{g['assigned']}个案件，{state}"


def casework_meeting_sentence(figures: dict[str, Any], place: str = "我区") -> str:
    """“召开联席会议N场次、会办会29场次…共向我区交办25个案件，其中：农村征用土地问题组有4个案件，
    已全部办结”."""
    held = "、".join(f"{kind}{n}场次" for kind, n in figures["by_kind"].items() if n)
    parts = [f"召开{held}" if held else "未召开联席会议"]
    parts.append(f"共向{place}交办{figures['assigned']}个案件，已办结{figures['done']}个")
    groups = [_group_phrase(g) for g in figures["by_group"]]
    if groups:
        parts.append("其中：" + "；".join(groups))
    return "，".join(parts) + "。"


def casework_body_sentence(body: dict[str, Any], place: str = "我区") -> str:
    """Seed 000: “市联席会议各成员小组共向我区交办25个案件，其中：农村征用土地问题组有4个案件，
    已全部办结”."""
    who = f"{body['body']}各成员小组" if body["groups"] else body["body"]
    text = f"{who}共向{place}交办{body['assigned']}个案件"
    if body["groups"]:
        text += "，其中：" + "；".join(_group_phrase(g) for g in body["groups"])
    else:
        done = body["done"]
        text += "，" + ("已全部办结" if done == body["assigned"] else f"已办结{done}个")
    return text + "。"


def casework_meetings_text(figures: dict[str, Any], place: str = "我区") -> str:
    """The report's meetings sentence: what was held, then each body's 交办 by topic group
    (seed 000), e.g. “召开会办会29场次。市联席会议各成员小组共向我区交办25个案件，其中：…”."""
    held = "、".join(f"{kind}{n}场次" for kind, n in figures["by_kind"].items() if n)
    text = (f"召开{held}" if held else "未召开联席会议、会办会") + "。"
    if not figures["by_body"]:
        return text + f"无联席会议交办{place}的案件。"
    return text + "".join(casework_body_sentence(b, place) for b in figures["by_body"])


def dispute_sentence(figures: dict[str, Any], label: str = "") -> str:
    """Seed 001: “共排查矛盾纠纷X件，化解X件”, the level split (村社区/街道乡镇/区县) and the
    street sentence (“其中，东风街道排查4件，化解3件；…”); "无…" where a count is 0."""
    from xinfang.disputes.choices import DisputeLevel, DisputeSource

    f = figures
    if not f["found"] and not f["settled"] and not f["escalated"] and not f["petitions"]:
        return "无新排查和化解的矛盾纠纷。"
    text = f"共排查矛盾纠纷{f['found']}件，化解{f['settled']}件"
    res = f["resolution"]
    text += f"，期内排查的已化解{res['num']}件，化解率{res['pct']}%" if res["den"] else "，无新排查"
    text += "。"
    sources = "、".join(
        f"{DisputeSource(s).label}{n}件" for s, n in f["found_by_source"].items() if n
    )
    if sources:
        text += f"按来源，{sources}。"
    levels = []
    for code, title in DisputeLevel.choices:
        found, settled = f["found_by_level"][code], f["settled_by_level"][code]
        if found or settled:
            levels.append(
                f"{title}排查{found}件、化解{settled}件"
                if found
                else f"{title}无新排查、化解{settled}件"
            )
    if levels:
        text += "分层级看，" + "；".join(levels) + "。"
    risen = "、".join(
        f"升至{DisputeLevel(code).label}{n}件" for code, n in f["escalated_to"].items() if n
    )
    text += f"升级{f['escalated']}件（{risen}）" if f["escalated"] else "无升级的纠纷"
    text += f"，转入信访程序{f['petitions']}件" if f["petitions"] else "，无转入信访程序的纠纷"
    text += f"，重排{f['rescreened']}件。" if f["rescreened"] else "，无重排。"
    streets = [
        f"{u['name']}{'（本级）' if u['own'] else ''}排查{u['found']}件，化解{u['settled']}件"
        for u in f.get("by_unit", [])
        if u["found"] or u["settled"]
    ]
    if any(not u["own"] and (u["found"] or u["settled"]) for u in f.get("by_unit", [])):
        text += "其中，" + "；".join(streets) + "。"
    return text
