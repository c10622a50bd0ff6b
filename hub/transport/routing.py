"""AMQP topic matching (``*`` one word, ``#`` zero or more words), as RabbitMQ's topic exchange does it."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["topic_matches"]


@lru_cache(maxsize=4096)
def topic_matches(pattern: str, key: str) -> bool:
    return _match(tuple(pattern.split(".")), tuple(key.split(".")))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
