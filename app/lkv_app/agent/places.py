"""Country names (English, lower case), so "in which country ..." can prefer "Finland" over the
other names of a sentence ("a company based in Tampere, Finland"). Sovereign states and a few
common short or former names; no cities or regions."""

from __future__ import annotations

_NAMES = """
afghanistan, albania, algeria, andorra, angola, antigua and barbuda, argentina, armenia,
australia, austria, azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize,
benin, bhutan, bolivia, bosnia and herzegovina, botswana, brazil, brunei, bulgaria, burkina faso,
burundi, cambodia, cameroon, canada, cape verde, central african republic, chad, chile, china,
colombia, comoros, congo, costa rica, croatia, cuba, cyprus, czechia, czech republic, denmark,
djibouti, dominica, dominican republic, east timor, ecuador, egypt, el salvador, england,
equatorial guinea, eritrea, estonia, eswatini, ethiopia, fiji, finland, france, gabon, gambia,
georgia, germany, ghana, greece, grenada, guatemala, guinea, guinea-bissau, guyana, haiti,
holland, honduras, hungary, iceland, india, indonesia, iran, iraq, ireland, israel, italy,
ivory coast, jamaica, japan, jordan, kazakhstan, kenya, kiribati, kosovo, kuwait, kyrgyzstan,
laos, latvia, lebanon, lesotho, liberia, libya, liechtenstein, lithuania, luxembourg,
madagascar, malawi, malaysia, maldives, mali, malta, marshall islands, mauritania, mauritius,
mexico, micronesia, moldova, monaco, mongolia, montenegro, morocco, mozambique, myanmar, namibia,
nauru, nepal, netherlands, new zealand, nicaragua, niger, nigeria, north korea, north macedonia,
norway, oman, pakistan, palau, palestine, panama, papua new guinea, paraguay, peru, philippines,
poland, portugal, qatar, romania, russia, rwanda, saint lucia, samoa, san marino, saudi arabia,
scotland, senegal, serbia, seychelles, sierra leone, singapore, slovakia, slovenia,
solomon islands, somalia, south africa, south korea, south sudan, spain, sri lanka, sudan,
suriname, sweden, switzerland, syria, taiwan, tajikistan, tanzania, thailand, togo, tonga,
trinidad and tobago, tunisia, turkey, turkmenistan, tuvalu, uganda, ukraine,
united arab emirates, united kingdom, united states, usa, uk, uruguay, uzbekistan, vanuatu,
vatican city, venezuela, vietnam, wales, yemen, zambia, zimbabwe
"""

COUNTRIES = frozenset(n.strip() for n in _NAMES.replace("\n", " ").split(",") if n.strip())
