"""Drawing names for a gift exchange."""

import random


def draw(names: list[str]) -> dict[str, str]:
    """A random assignment giver -> receiver in which everyone gives once, receives once, never to themselves."""
    if len(names) < 2:
        raise ValueError("a gift exchange needs at least two people")
    receivers = list(names)
    while True:
        random.shuffle(receivers)
        if all(giver != receiver for giver, receiver in zip(names, receivers, strict=True)):
            return dict(zip(names, receivers, strict=True))
