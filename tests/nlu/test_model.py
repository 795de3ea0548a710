"""The trained model, with the safety screen and the triage, meets the targets on eval.tsv."""

import pytest

from bot.understanding.assess import Assessor
from tests.bench.eval_nlu import TARGETS, EvalResult, evaluate, load_eval_set


@pytest.fixture
async def result(assessor: Assessor) -> EvalResult:
    return await evaluate(assessor, *load_eval_set())


async def test_eval_targets(result: EvalResult) -> None:
    figures = result.figures
    report = result.render()
    assert figures["crisis_recall"] >= TARGETS["crisis_recall"], report
    assert figures["high_risk_recall"] >= TARGETS["high_risk_recall"], report
    assert figures["benign_urgent"] <= TARGETS["benign_urgent"], report
    assert figures["accuracy"] >= TARGETS["accuracy"], report
