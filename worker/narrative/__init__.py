"""The narrative stage: figures stated in regular sentences, read deterministically.

    facts = parse_narrative(layout)

worker/narrative/sentences.py cuts the text blocks into headings and sentences (one pass,
linear in the text); headings set the section scope; sentences are split into clauses (，；：、,
but never inside a number printed with separators: `19,577万元`); each amount (万元 / 亿元 / 元,
read as printed, with its unit), share, rate or count (worker/narrative/amounts.py) gets a role
from the words before it (年初预算 → budget, 执行数 / 决算 → actual, 占 → share, 增加 / 增长 →
change / growth …) and a subject from the phrase that opens its clause (vocabulary:
schemas/reference/narrative_subjects.yaml, worker/narrative/vocab.py). A clause with no subject
phrase continues the fact before it ('…万元，占72.46%') or takes the subject a figure-less clause
just named ('1.因公出国（境）费用。2026年预算数46.80万元'); a phrase that names nothing known
makes an `unknown` fact — listed for review, never checked against a guessed subject. '其中' /
'包括' / '（其中…）' make the following facts parts of the one before. Irregular sentences yield
nothing here — the LLM stage reads those.
"""

from worker.narrative.parser import parse_narrative

__all__ = ["parse_narrative"]
