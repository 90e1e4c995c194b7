"""The citizen mailbox (Postfach): threads of messages between an account and the administration."""
