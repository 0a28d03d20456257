"""The parser and the LLM on the same performance table: how far they agree.

The LLM reads a table the parser mapped only as a second opinion (Settings.llm_cross_check). Its answer never replaces the parser's here: it is
compared value by value (worker/performance/compare.py, the parser's reading in the golden's
place) and the result kept on the parser's SectionResult; a disagreement becomes a finding
(rules: performance.agreement) for the reviewer to settle.
"""

from __future__ import annotations

from schemas.performance import Agreement, SectionResult, SectionStatus, Source
from worker.performance.compare import compare, projects

__all__ = ["agreement", "fold"]


def agreement(parsed: SectionResult, llm: list[SectionResult]) -> Agreement:
    """Every value the parser read, against the LLM's reading of the same section (its parts)."""
    score = compare(projects([parsed]), projects(llm), both=True)
    return Agreement(compared=score.fields + score.rows - score.found, agreed=score.right,
                     differences=score.misses, accepted=Source.parser)


def _of(section_id: str, result: SectionResult) -> bool:
    """The LLM result is for that section, whole or one of its parts (-p1, -p2, ...)."""
    return result.section_id == section_id or result.section_id.startswith(f"{section_id}-p")


def fold(parsed: list[SectionResult], llm: list[SectionResult]) -> list[SectionResult]:
    """The document's sections: the parser's readings, each with its agreement where the LLM
    read it too (that LLM answer folded into it), then the LLM's own sections."""
    out: list[SectionResult] = []
    used: set[str] = set()
    for p in parsed:
        second = [r for r in llm if _of(p.section_id, r) and r.status != SectionStatus.pending]
        used |= {r.section_id for r in llm if _of(p.section_id, r)}
        out.append(p.model_copy(update={"agreement": agreement(p, second)}) if second else p)
    return out + [r for r in llm if r.section_id not in used]
