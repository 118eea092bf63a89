"""Limits every text channel applies before a message reaches a conversation.

A 100 KB message once made the Rasa server grow past 10 GB and block every conversation
for over a minute; nobody types 4,000 characters into a chat about their partner.
"""

MAX_MESSAGE_CHARS = 4000
TOO_LONG_REPLY = (
    f"That message is too long for me (the limit is {MAX_MESSAGE_CHARS} characters). "
    "Could you say it in a shorter message? In crisis? Call or text 988."
)
