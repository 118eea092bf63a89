import pytest

from bot.directory.locations import NEAR_ME, AmbiguousPlace, Location, OutsideUS, parse_location, read_place


@pytest.mark.parametrize("text, expected", [
    ("CA", Location("CA")),
    ("ny", Location("NY")),
    ("california", Location("CA")),
    ("New York", Location("NY")),
    ("  NEW   hampshire ", Location("NH")),
    ("washington dc", Location("DC", "20001")),
    ("District of Columbia", Location("DC")),
    ("washington", Location("WA")),
    ("West Virginia", Location("WV")),
    ("virginia", Location("VA")),
    ("arkansas", Location("AR")),
    ("I live in north carolina", Location("NC")),
    ("I'm in Indiana", Location("IN")),
    ("Calfornia", Location("CA")),        # misspelt: phonetic match from `us`
    ("pensilvania", Location("PA")),
    ("94110", Location("CA", "94110")),
    ("94110-1234", Location("CA", "94110")),
    ("941101234", Location("CA", "94110")),
    ("my zip is 10001", Location("NY", "10001")),
    ("02720", Location("MA", "02720")),   # SCF in Providence RI, addresses in Fall River MA
    ("97914", Location("OR", "97914")),   # SCF in Boise ID, addresses in Ontario OR
    ("73301", Location("TX", "73301")),   # Austin TX inside Oklahoma's prefix range
    ("00901", Location("PR", "00901")),
    ("96910", Location("GU", "96910")),
    ("99501", Location("AK", "99501")),
])
def test_recognises_states_and_zip_codes(text, expected):
    assert parse_location(text) == expected


@pytest.mark.parametrize("text, state, place", [
    ("Columbus, OH", "OH", "Columbus"),
    ("columbus ohio", "OH", "Columbus"),
    ("Kansas City, MO", "MO", "Kansas City"),   # not Kansas
    ("kansas city ks", "KS", "Kansas City"),
    ("Portland, OR", "OR", "Portland"),
    ("portland maine", "ME", "Portland"),
    ("Portland", "OR", "Portland"),             # alone: where the name covers most ZIP Codes
    ("queens ny", "NY", "Queens"),              # a borough (Queens County)
    ("brooklyn", "NY", "Brooklyn"),
    ("the bronx", "NY", "Bronx"),
    ("manhattan, new york", "NY", "Manhattan"),
    ("Cook County, IL", "IL", "Cook County"),
    ("st louis mo", "MO", "Saint Louis"),       # "st" read as "saint"
    ("colombus oh", "OH", "Columbus"),          # misspelt city, with its state
    ("sacremento ca", "CA", "Sacramento"),
    ("i live in jersey city nj", "NJ", "Jersey City"),
    ("Austin TX 78701", "TX", "Austin"),
])
def test_recognises_places_with_a_zip_code_and_coordinates(text, state, place):
    location = parse_location(text)
    assert (location.state, location.place) == (state, place)
    assert location.zip_code and location.latitude is not None and location.longitude is not None
    assert location.label() == f"{place}, {state} {location.zip_code}"
    # The slot keeps the label; reading it back gives the same place.
    again = parse_location(location.slot_value())
    assert (again, again.place) == (location, location.place)


def test_zip_plus_four_echoes_the_city():
    assert parse_location("43215-1234").label() == "Columbus, OH 43215"


@pytest.mark.parametrize("text", ["near me", "somewhere near me", "nearby", "close to me"])
def test_near_me_asks_for_a_zip(text):
    assert read_place(text) is NEAR_ME


@pytest.mark.parametrize("text, state, place", [
    ("cleveland", "OH", "Cleveland"),   # 43 ZIP Codes in OH, 5 in TN
    ("st louis", "MO", "Saint Louis"),  # a city before a county (St. Louis County, MN)
    ("reno", "NV", "Reno"),
    ("im in austin", "TX", "Austin"),
])
def test_a_place_alone_is_the_one_that_clearly_outweighs_the_others(text, state, place):
    location = parse_location(text)
    assert (location.state, location.place) == (state, place)


@pytest.mark.parametrize("text, name, first_states", [
    ("london", "London", ("KY",)),             # small: 6 ZIP Codes in KY, 1 in OH, TX, ...
    ("springfield", "Springfield", ("IL", "MA")),  # big, but IL has < 2x MA's ZIP Codes
    ("im in arlington", "Arlington", ("VA", "TX")),
    ("manhattan", "Manhattan", ("KS",)),       # Manhattan, NY is found with its state
])
def test_a_place_name_several_states_share_needs_the_state(text, name, first_states):
    place = read_place(text)
    assert isinstance(place, AmbiguousPlace) and place.name == name
    assert place.states[: len(first_states)] == first_states and 1 < len(place.states) <= 4
    assert parse_location(text) is None


@pytest.mark.parametrize("text, name", [
    ("Toronto, Canada", "Canada"),
    ("I'm in Mexico", "Mexico"),
    ("london uk", "the UK"),
    ("berlin germany", "Germany"),
    ("ontario", "Ontario, Canada"),       # alone, the province; with a state, the US city
    ("ontario, ca", None),
])
def test_places_outside_the_us(text, name):
    place = read_place(text)
    if name is None:
        assert isinstance(place, Location)
    else:
        assert place == OutsideUS(name)


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "ZZ", "Freedonia", "1234", "123456", "not sure", "skip",
    "home", "america", "the south",  # one-ZIP towns and names USPS does not accept, alone
    "00100",  # not a ZIP Code
    "09012",  # military mail (AE)
])
def test_unknown_text_gives_none(text):
    assert read_place(text) is None


def test_two_letter_codes_count_only_as_the_whole_text_or_after_a_place():
    assert parse_location("in") == Location("IN")
    assert parse_location("ok i am in or near me") is None
    assert parse_location("ok i am in columbus oh").place == "Columbus"


def test_details_in_other_messages_need_a_state_or_zip():
    assert read_place("I need a couples therapist in Portland", whole_answer=False) is None
    assert read_place("couples therapist in portland oregon please", whole_answer=False).state == "OR"
    assert read_place("my husband and I live in ohio", whole_answer=False) == Location("OH")


def test_location_rejects_bad_values():
    with pytest.raises(ValueError):
        Location("ZZ")
    with pytest.raises(ValueError):
        Location("CA", "9411")
