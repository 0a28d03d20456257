"""A real model end to end: llama.cpp's OpenAI-compatible server with Gemma 3 270M, instructor
Mode.TOOLS, a real performance-target section of a seed, grounding, cache.

The model is tiny (and slow on CPU: ~1 s per constrained token), so the test asks for a short
answer and accepts a grounded subset: whatever survives validation must be printed in the
section, and something must survive. Needs the `local-llm` extra; CI (CI=true) must have it.
"""

from __future__ import annotations

import os
import re
import socket
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from schemas.performance import ProjectTargets, SectionStatus
from tests.support.samples import SAMPLES
from worker.formats.text import read_text
from worker.llm import LLMClient, extract_section
from worker.llm import local as local_llm
from worker.pipeline.sections import find_sections, project_names
from worker.store.llm_cache import LLMCache

SEED = SAMPLES / "001_f525e4192ca00c01.txt"
SECTION_ID = "project_targets-2"  # 2024年涉军岗位工资: the smallest project target table

pytestmark = pytest.mark.slow


def _require_local_model() -> None:
    problem = local_llm.missing()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the local-model test: {problem}")
    pytest.skip(f"local model test disabled: {problem}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    _require_local_model()
    # One thread: llama.cpp's threads spin while they wait for each other, so on a busy 2-core
    # machine two threads can be many times slower than one.
    data = tmp_path_factory.mktemp("llm-data")
    with local_llm.serve(data, port=_free_port(), threads=1) as running:
        yield running


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_real_model_extracts_a_grounded_validated_subset(server, tmp_path: Path):
    raw = SEED.read_text(encoding="utf-8")
    layout = read_text(raw)
    section = {s.section_id: s for s in find_sections(layout)}[SECTION_ID]
    names = project_names(layout)
    # One attempt that may take as long as the machine needs: a timeout and retry on a busy
    # machine would count a second call without saying anything about the model path.
    client = LLMClient(server.config(max_tokens=120, max_retries=0, http_retries=0, timeout_s=3600))
    cache = LLMCache(tmp_path / "llm_cache.sqlite3")

    result = extract_section(
        section, client, cache, doc_id="seed-001", document_text=raw, project_names=names
    )

    assert result.usage.calls == 1 and result.usage.tokens_in > 500 and result.usage.tokens_out > 0
    assert result.status in (SectionStatus.ok, SectionStatus.needs_review), result.reasons
    assert result.data is not None, result.reasons
    extracted = ProjectTargets.model_validate(result.data)
    # Checked here without our grounding code: what survived is printed in the section.
    text = _plain(section.text)
    numbers = {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", unicodedata.normalize("NFKC", raw))}
    kept = []
    for project in extracted.projects:
        kept += [v for v in (project.code, project.name) if v]
        kept += [str(v) for v in (project.amount, project.fiscal_amount, project.other_amount) if v]
        assert project.name is None or project.name in names
        assert project.code is None or _plain(project.code) in text
        for number in (project.amount, project.fiscal_amount, project.other_amount):
            assert number is None or number in numbers
        for indicator in project.indicators:
            kept.append(indicator.name)
            assert _plain(indicator.name).casefold() in text.casefold()
    assert kept, f"nothing grounded survived: {result.dropped} {result.reasons}"

    again = extract_section(
        section, client, cache, doc_id="seed-001", document_text=raw, project_names=names
    )
    assert again.usage.cached and again.usage.calls == 0 and again.data == result.data


def test_serve_refuses_a_port_in_use(tmp_path: Path):
    _require_local_model()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(local_llm.ConfigError, match="in use"):
            local_llm.serve(tmp_path, port=busy.getsockname()[1])
    assert (tmp_path / "models" / "gemma-3-270m-q4_k_m.gguf").exists()  # assembled, once


def test_server_command_is_cpu_local_and_named():
    cmd = local_llm.command(Path("/m.gguf"), "127.0.0.1", 8765, threads=2)
    assert cmd[1:3] == ["-m", "llama_cpp.server"]
    assert cmd[cmd.index("--chat_format") + 1] == "gemma"
    assert cmd[cmd.index("--model_alias") + 1] == local_llm.MODEL_ALIAS
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
