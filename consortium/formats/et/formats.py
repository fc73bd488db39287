"""What Django's Estonian locale lacks. Everything else (dates "25. november 2026", a decimal comma,
a no-break space between thousands) comes from it.
"""

# Without these an Estonian page shows "nov. 25, 2026, 9:03 e.l." (the global default's).
DATETIME_FORMAT = "j. F Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
# Without this, Estonian pages show 18400000 where English shows 18,400,000.
NUMBER_GROUPING = 3
