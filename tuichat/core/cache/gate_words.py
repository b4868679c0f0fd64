"""The word tables of the content gate (:mod:`gate`): numbers, negation, units, stopwords.

Data only, so the gate's rules read as rules. Everything is lower case.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CARDINALS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}  # fmt: skip
"""Written numbers below a hundred (plus "dozen")."""

SCALES = {"hundred": 100, "thousand": 1_000, "million": 10**6, "billion": 10**9, "trillion": 10**12}

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20,
    "hundredth": 100, "thousandth": 1000, "last": -1, "penultimate": -2,
}  # fmt: skip
"""Ordinal words; "last" and "penultimate" count from the end."""

FRACTIONS = {"half": "1/2", "quarter": "1/4", "third": "1/3", "twice": "x2", "triple": "x3"}

DATE_WORDS = _words(
    "january february march april june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
    " monday tuesday wednesday thursday friday saturday sunday"
    " today tomorrow yesterday tonight weekend"
)
"""Words that name a date ("may" only next to a number: it is also a verb)."""

RELATIVE = frozenset({"next", "last", "this", "previous", "coming"})
PERIODS = frozenset({"week", "month", "year", "quarter", "decade", "century", "weekend"})

NEGATIONS = {
    "not": "not", "cannot": "not", "never": "never", "no": "no", "none": "no", "nobody": "no",
    "nothing": "no", "nowhere": "no", "neither": "no", "nor": "no", "without": "without",
    "except": "except", "excluding": "except", "besides": "except", "lack": "without",
    "lacking": "without", "unless": "unless",
}  # fmt: skip
"""Negation markers and their family; a word ending in "n't" is "not"."""

_UNITS = {
    "km": "km kms kilometer kilometers kilometre kilometres",
    "mile": "mile miles",
    "metre": "meter meters metre metres",
    "cm": "cm centimeter centimeters centimetre centimetres",
    "mm": "mm millimeter millimeters millimetre millimetres",
    "foot": "ft foot feet",
    "inch": "inch inches",
    "yard": "yd yds yard yards",
    "kg": "kg kgs kilogram kilograms kilo kilos",
    "gram": "gram grams",
    "pound": "lb lbs pound pounds",
    "ounce": "oz ounce ounces",
    "tonne": "ton tons tonne tonnes",
    "celsius": "°c celsius centigrade",
    "fahrenheit": "°f fahrenheit",
    "kelvin": "kelvin",
    "bit": "bit bits",
    "byte": "byte bytes",
    "kb": "kb kib kilobyte kilobytes",
    "mb": "mb mib megabyte megabytes",
    "gb": "gb gib gigabyte gigabytes",
    "tb": "tb tib terabyte terabytes",
    "mbps": "mbps",
    "gbps": "gbps",
    "litre": "liter liters litre litres",
    "ml": "ml milliliter milliliters millilitre millilitres",
    "gallon": "gallon gallons gal",
    "cup": "cup cups",
    "pint": "pint pints",
    "tablespoon": "tbsp tablespoon tablespoons",
    "teaspoon": "tsp teaspoon teaspoons",
    "millisecond": "ms millisecond milliseconds",
    "second": "sec secs seconds",
    "minute": "mins minute minutes",
    "hour": "hr hrs hour hours",
    "day": "day days",
    "week": "week weeks",
    "month": "month months",
    "year": "yr yrs year years",
    "mph": "mph",
    "kph": "kph kmh",
    "knot": "knot knots",
    "usd": "$ usd dollar dollars buck bucks",
    "eur": "€ eur euro euros",
    "gbp": "£ gbp sterling",
    "jpy": "¥ jpy yen",
    "inr": "₹ inr rupee rupees",
    "cny": "cny rmb yuan",
    "chf": "chf franc francs",
    "cad": "cad",
    "aud": "aud",
    "btc": "btc bitcoin bitcoins",
    "percent": "% percent",
    "kwh": "kwh",
    "watt": "watt watts kw kilowatt kilowatts",
    "calorie": "calorie calories kcal",
    "joule": "joule joules",
    "psi": "psi",
    "pascal": "pascal pascals kpa",
    "acre": "acre acres",
    "hectare": "hectare hectares",
}
UNITS = {word: unit for unit, words in _UNITS.items() for word in words.split()}
"""Unit words and symbols, each with its canonical unit."""

_UNITS_AFTER_NUMBER = {
    "mi": "mile", "m": "metre", "g": "gram", "c": "celsius", "f": "fahrenheit",
    "l": "litre", "s": "second", "second": "second", "h": "hour", "min": "minute",
    "w": "watt", "j": "joule", "b": "byte", "k": "kelvin", "t": "tonne", "bar": "bar",
    "d": "day", "pm": "pm", "am": "am",
}  # fmt: skip
UNITS_AFTER_NUMBER = {**UNITS, **_UNITS_AFTER_NUMBER}
"""Units also when ambiguous as words ("m", "second", "c"), counted only after a number.

"in" (inch) is left out: "100 USD in EUR" is far more common than "5 in".
"""

STOPWORDS = _words(
    """a an the this that these those it its it's is are was were be been being am do does did
    done doing have has had having i me my mine we us our you your yours he him his she her they
    them their what what's which who whom whose when where why how how's whats can could should
    would will shall may might must of in on at by for with about as into onto to from up down
    out off over under than then so and or but if because while there here also just very
    really quite please tell me some any all each every more most much many such own same
    too again further once only other like get got give show explain describe let know want
    need way ways thing things one ones kind sort type difference different between"""
)
"""Words that carry no subject of their own (ignored when sides of a comparison are read)."""

SENTENCE_STARTERS = _words(
    """what what's whats which who whom whose when where why how how's is are was were am be do
    does did can could should would will shall may might must have has had i i'm i've i'd we you
    he she they it it's its this that these those there here the a an in on at for from to of by
    with about if so and or but please tell give show explain describe list name write make find
    compare convert translate summarize summarise define calculate compute suggest recommend
    create generate help let any some my our your their his her yes ok okay hi hello hey thanks
    quick one two three four five six seven eight nine ten best top why's when's where's who's
    is there are there difference"""
)
"""Common first words of a question: capitalised only because they start a sentence."""

COMPARISON_MARKERS = frozenset({"than", "vs", "versus", "compared", "or", "over"})
CONVERSION_MARKERS = frozenset({"to", "into"})

MONTH_PREFIXES = _words("jan feb mar apr jun jul aug sep oct nov dec")
