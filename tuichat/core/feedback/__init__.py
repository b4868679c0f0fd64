"""Feedback on answers: thumbs up or down with a comment, and follow-ups (a question re-asked).

Pure logic, no I/O: the records a front end emits (:mod:`records`, events
the log writer stores like a turn's own), the session's counts the HUD shows
(:mod:`tally`), and the rule that says a prompt re-asks an earlier one
(:mod:`follow_up`). Uses only the root vocabulary (events); the store keeps
the rows (``tuichat.store.feedback``) and the chat app asks for them
(``tuichat.ui.feedback_actions``).
"""
