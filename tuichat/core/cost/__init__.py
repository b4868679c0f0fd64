"""Cost: token counts, prices, what each attempt cost, budgets and the pre-send estimate.

Owns everything that turns tokens into money. Uses only the core's root
vocabulary (events, conversation, provider parts); the turn calls in here,
never the reverse.
"""
