"""Evaluation of answers: checks a bench prompt carries (see ``checks``)."""
