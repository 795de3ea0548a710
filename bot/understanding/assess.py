"""One text → intent, action and risk: the NLU, then the safety screen, then the triage."""

from dataclasses import dataclass

from bot.settings import Settings
from bot.understanding.classifier import IntentClassifier, Understanding
from bot.understanding.coverage import Vocabulary, training_examples
from bot.understanding.lexicon import Lexicon
from bot.understanding.screen import SafetyScreen, Screening
from bot.understanding.second_opinion import NaiveBayes
from bot.understanding.triage import Triage, triage
from nlu.components.normaliser import Normaliser


@dataclass(frozen=True, slots=True)
class Assessment:
    understanding: Understanding
    screening: Screening
    triage: Triage


class Assessor:
    def __init__(self, classifier: IntentClassifier, screen: SafetyScreen) -> None:
        self._classifier = classifier
        self._screen = screen

    async def assess(self, text: str, use_model: bool = True) -> Assessment:
        understanding = (
            await self._classifier.parse(text) if use_model else Understanding.unavailable()
        )
        screening = self._screen.screen(text, understanding)
        return Assessment(understanding, screening, triage(understanding, screening))


def load_screen(settings: Settings) -> SafetyScreen:
    normaliser = Normaliser.from_content(settings.content_dir / "nlu")
    lexicon = Lexicon.load(settings.content_dir / "safety" / "lexicon.yml", normaliser)
    examples = [
        (normaliser.words(text), intent)
        for text, intent in training_examples(settings.training_data_dir)
    ]  # normalised once, for both
    return SafetyScreen(
        lexicon,
        settings.crisis_rank_threshold,
        settings.high_risk_rank_threshold,
        Vocabulary(word for words, _ in examples for word in words),
        NaiveBayes.from_words(examples),
    )
