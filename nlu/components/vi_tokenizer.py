"""Rasa tokenizer for Vietnamese chat text (runs in Rasa's own Python 3.10 environment).

Each token keeps the original text and offsets (so entities stay valid) and carries the
normalised, diacritic-free form as its lemma, which is what the count featurizers read.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu.components.normaliser import Normaliser


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._normaliser = Normaliser.from_content()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(text[word.start : word.end], word.start, end=word.end, lemma=word.plain)
            for word in self._normaliser.words(text)
        ]
        if not tokens and text.strip():
            # Only symbols we do not know: keep one token so the message is still classified.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [Token(stripped, start, end=start + len(stripped), lemma="__symbol__")]
        return self._apply_token_pattern(tokens)
