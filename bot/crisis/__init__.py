"""Everything that handles a crisis, in one place (TAXONOMY.md says what and why).

- ``TAXONOMY.md``  the warning signs, their sources, and how each is detected and answered
- ``patterns.yml`` the phrasings per category (data), ``patterns.py`` its compiler
- ``typos.py``     typo tolerance for key words
- ``detector.py``  ``CrisisDetector``: spaCy Matcher rules -> category and context tags
- ``scorer.py``    ``CrisisScorer``: crisis-vs-not regression for what no rule matches
                   (trained with the model from ``scorer_data/`` and the NLU examples)
- ``guard.py``     ``CrisisGuard``: the NLU component that forces the ``crisis`` intent
- ``intent.py``    how a parsed message says it is a crisis message (used by the therapist
                   form and by the turn gate, which lets a crisis turn in first:
                   bot.storage.turn_gate, bot.rasa_patches)
- ``language.py``  ``SpanishGuard``: Spanish messages get a Spanish reply with 988
- ``policy.py``    ``CrisisFirstPolicy``: the static first response by urgency, forms paused
- ``handoff.py``   what ``action_crisis_handoff`` (actions/crisis.py) adds after it

Importing this package imports nothing heavy: the action server imports ``handoff`` only.
"""
