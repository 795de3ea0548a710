"""Splitting long replies for platforms that cap a message at 2000 characters."""

import re

LIMIT = 2000
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at paragraph, then sentence, then word breaks."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    for piece in _pieces(text, limit):
        if parts and len(parts[-1]) + 2 + len(piece) <= limit:
            sep = "\n\n" if piece.startswith("\n") else " "
            parts[-1] = parts[-1] + sep + piece.strip()
        else:
            parts.append(piece.strip())
    return [part for part in parts if part]


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs; a paragraph too long is cut into sentences, a sentence into words."""
    out: list[str] = []
    for index, paragraph in enumerate(text.split("\n\n")):
        marker = "\n" if index else ""
        if len(paragraph) <= limit:
            out.append(marker + paragraph)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            out.extend(_words(sentence, limit) if len(sentence) > limit else [sentence])
    return out


def _words(sentence: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > limit:  # a single huge "word" (a URL, garbage): hard cut
            chunks.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            chunks.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        chunks.append(current)
    return chunks
