"""US ZIP Code 3-digit prefix -> state or territory code.

Source: the prefix allocation in Wikipedia's "List of ZIP Code prefixes" (which follows
the USPS L002 3-Digit ZIP Code Prefix Matrix), cross-checked against the machine-readable
copy of that list in the public `billfienberg/zip3` package (`zip3.csv`).

That copy gives the state of the *sectional center facility* (SCF) that sorts the mail,
which differs from the prefix's own state for some prefixes (Wikipedia marks these with
a footnote). This table uses the state where the addresses are, e.g. 027 is
Massachusetts (Fall River, New Bedford) although its SCF is in Providence, RI; likewise
036-037 NH, 220-221 VA, 246 VA, 267 WV, 297-298 SC, 307 GA, 369 AL, 386 MS, 410 KY,
424 KY, 470-471 IN, 491 MI, 538 WI, 540 WI, 620 IL, 739 OK, 749 OK, 838 ID, 865 AZ,
961 CA, 979 OR, 986 WA, 994 WA.

Left out on purpose: unused prefixes, military mail (AA 340, AE 090-099, AP 962-966)
and 969, which is shared by Guam, the Northern Mariana Islands, Palau, Micronesia and
the Marshall Islands. A prefix is a good approximation of the state, not an exact one:
a few individual ZIP Codes straddle a state line.
"""
from __future__ import annotations

# (first prefix, last prefix, code); ranges are inclusive.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (5, 5, "NY"),
    (6, 7, "PR"),
    (8, 8, "VI"),
    (9, 9, "PR"),
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 54, "VT"),
    (55, 55, "MA"),
    (56, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 200, "DC"),
    (201, 201, "VA"),
    (202, 205, "DC"),
    (206, 212, "MD"),
    (214, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 339, "FL"),
    (341, 342, "FL"),
    (344, 344, "FL"),
    (346, 347, "FL"),
    (349, 349, "FL"),
    (350, 352, "AL"),
    (354, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (398, 399, "GA"),
    (400, 418, "KY"),
    (420, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 516, "IA"),
    (520, 528, "IA"),
    (530, 532, "WI"),
    (534, 535, "WI"),
    (537, 549, "WI"),
    (550, 551, "MN"),
    (553, 567, "MN"),
    (569, 569, "DC"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 620, "IL"),
    (622, 629, "IL"),
    (630, 631, "MO"),
    (633, 641, "MO"),
    (644, 658, "MO"),
    (660, 662, "KS"),
    (664, 679, "KS"),
    (680, 681, "NE"),
    (683, 693, "NE"),
    (700, 701, "LA"),
    (703, 708, "LA"),
    (710, 714, "LA"),
    (716, 729, "AR"),
    (730, 731, "OK"),
    (733, 733, "TX"),
    (734, 741, "OK"),
    (743, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 853, "AZ"),
    (855, 857, "AZ"),
    (859, 860, "AZ"),
    (863, 865, "AZ"),
    (870, 871, "NM"),
    (873, 875, "NM"),
    (877, 884, "NM"),
    (885, 885, "TX"),
    (889, 891, "NV"),
    (893, 895, "NV"),
    (897, 898, "NV"),
    (900, 908, "CA"),
    (910, 928, "CA"),
    (930, 961, "CA"),
    (967, 968, "HI"),
    (970, 979, "OR"),
    (980, 986, "WA"),
    (988, 994, "WA"),
    (995, 999, "AK"),
)

ZIP_PREFIX_STATE: dict[str, str] = {
    f"{prefix:03d}": code
    for first, last, code in _RANGES
    for prefix in range(first, last + 1)
}


def state_for_zip(zip_code: str) -> str | None:
    """The state or territory code of a 5-digit ZIP Code, or None if its prefix is unassigned."""
    return ZIP_PREFIX_STATE.get(zip_code[:3])
