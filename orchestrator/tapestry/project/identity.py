"""`identity:` in tapestry.yml: how source records become people (the dbt models under models/identity/).

Every setting has a default, so the section is optional; the defaults resolve people across e-mail variants,
phones and source ids. `IdentityConfig.dbt_vars()` is what the transform passes to dbt as the `identity` var;
dbt_project/macros/identity/config.sql holds the same defaults for a dbt run without Tapestry.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from tapestry.core.settings import Strict


class Country(Strict):
    """What reading a national phone number needs: the calling code, the trunk prefix dialled before national
    numbers (dropped in E.164) and the prefix dialled before international numbers."""

    calling_code: str
    trunk_prefix: str
    international_prefix: str


def _c(calling_code: str, trunk_prefix: str, international_prefix: str) -> Country:
    return Country(calling_code=calling_code, trunk_prefix=trunk_prefix, international_prefix=international_prefix)


# From libphonenumber's metadata (PyPI phonenumbers 9.0.43, PhoneMetadata per region); where a country has
# several international prefixes (carrier selection), the one most dialled. tests/unit/test_identity_config.py
# checks every row against that package.
COUNTRIES: dict[str, Country] = {
    "US": _c("1", "1", "011"),
    "CA": _c("1", "1", "011"),
    "GB": _c("44", "0", "00"),
    "IE": _c("353", "0", "00"),
    "DE": _c("49", "0", "00"),
    "FR": _c("33", "0", "00"),
    "ES": _c("34", "", "00"),
    "IT": _c("39", "", "00"),
    "PT": _c("351", "", "00"),
    "NL": _c("31", "0", "00"),
    "BE": _c("32", "0", "00"),
    "LU": _c("352", "", "00"),
    "CH": _c("41", "0", "00"),
    "AT": _c("43", "0", "00"),
    "DK": _c("45", "", "00"),
    "SE": _c("46", "0", "00"),
    "NO": _c("47", "", "00"),
    "FI": _c("358", "0", "00"),
    "IS": _c("354", "", "00"),
    "PL": _c("48", "", "00"),
    "CZ": _c("420", "", "00"),
    "SK": _c("421", "0", "00"),
    "HU": _c("36", "06", "00"),
    "RO": _c("40", "0", "00"),
    "BG": _c("359", "0", "00"),
    "GR": _c("30", "", "00"),
    "TR": _c("90", "0", "00"),
    "RU": _c("7", "8", "810"),
    "UA": _c("380", "0", "00"),
    "IL": _c("972", "0", "00"),
    "AE": _c("971", "0", "00"),
    "SA": _c("966", "0", "00"),
    "ZA": _c("27", "0", "00"),
    "NG": _c("234", "0", "009"),
    "KE": _c("254", "0", "000"),
    "EG": _c("20", "0", "00"),
    "IN": _c("91", "0", "00"),
    "PK": _c("92", "0", "00"),
    "BD": _c("880", "0", "00"),
    "SG": _c("65", "", "001"),
    "MY": _c("60", "0", "00"),
    "TH": _c("66", "0", "001"),
    "VN": _c("84", "0", "00"),
    "PH": _c("63", "0", "00"),
    "CN": _c("86", "0", "00"),
    "HK": _c("852", "", "00"),
    "TW": _c("886", "0", "002"),
    "JP": _c("81", "0", "010"),
    "KR": _c("82", "0", "001"),
    "AU": _c("61", "0", "0011"),
    "NZ": _c("64", "0", "00"),
    "MX": _c("52", "", "00"),
    "BR": _c("55", "0", "0021"),
    "AR": _c("54", "0", "00"),
    "CO": _c("57", "0", "009"),
    "PE": _c("51", "0", "00"),
}

PLUS_TAG_DOMAINS = (
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "fastmail.fm",
)

# Local parts of role inboxes several people read (info@, sales@, ...): they never link records.
ROLE_LOCAL_PARTS = (
    "admin", "accounts", "billing", "careers", "contact", "enquiries", "events", "finance", "hello", "help", "hr",
    "info", "inquiries", "jobs", "mail", "marketing", "media", "no-reply", "noreply", "office", "press",
    "reception", "sales", "service", "support", "team", "webinars", "webmaster",
)  # fmt: skip

DOMAIN = r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
Survivorship = Literal["most_recent", "most_frequent", "source_priority"]
Limit = Annotated[int, Field(ge=1, le=1_000_000)]


class EmailRules(Strict):
    """Which differences between two e-mail addresses do not matter when matching records."""

    case: bool = True  # Jane.Doe@x.com = jane.doe@x.com
    spaces: bool = True  # whitespace around the address (tabs, line breaks, no-break spaces)
    lookalikes: bool = True  # fullwidth forms, Cyrillic/Greek look-alike letters, invisible characters
    gmail: bool = True  # googlemail.com = gmail.com; dots and +tags in Gmail local parts
    plus_tags: bool = True  # +tags at the providers of plus_tag_domains
    plus_tag_domains: list[Annotated[str, Field(pattern=DOMAIN)]] = Field(
        default_factory=lambda: list(PLUS_TAG_DOMAINS)
    )


class PhoneRules(Strict):
    default_country: str = "US"  # ISO 3166 code: how numbers without a country code are read

    @field_validator("default_country", mode="before")
    @classmethod
    def _known_country(cls, value: Any) -> Any:
        if isinstance(value, str) and value.upper() in COUNTRIES:
            return value.upper()
        raise ValueError(f"unknown country {value!r}; use one of {', '.join(sorted(COUNTRIES))}")

    @property
    def country(self) -> Country:
        return COUNTRIES[self.default_country]


class MatchRule(Strict):
    """Records that share this identifier (and agree on every `same` field) are one person."""

    identifier: Literal["email", "phone", "source_id"]
    same: list[Literal["first_name", "last_name"]] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, value: Any) -> Any:
        if isinstance(value, dict) and True in value:  # `on: email` in YAML 1.1 is {True: "email"}
            raise ValueError(f"write `identifier: {value[True]}` (YAML reads a bare `on` as true)")
        return value


def _default_rules() -> list[MatchRule]:
    return [MatchRule(identifier="source_id"), MatchRule(identifier="email"), MatchRule(identifier="phone")]


class Limits(Strict):
    """What one person may have. A component over a limit is resolved again without its weakest rule."""

    max_emails_per_person: Limit | None = 5
    max_phones_per_person: Limit | None = 5
    max_records_per_person: Limit | None = None
    # an e-mail or phone seen with more different first names AND more different last names than this is shared
    max_names_per_identifier: Limit | None = 2


class Blocked(Strict):
    """Values that never link records (they still belong to the records that carry them)."""

    role_accounts: bool = True
    role_local_parts: list[Annotated[str, Field(pattern=r"^[a-z0-9._+-]+$")]] = Field(
        default_factory=lambda: list(ROLE_LOCAL_PARTS)
    )
    junk_phones: bool = True  # 000 0000, 1234567 and the like
    emails: list[Annotated[str, Field(min_length=3, max_length=320)]] = Field(default_factory=list)
    phones: list[Annotated[str, Field(min_length=3, max_length=40)]] = Field(default_factory=list)


class SurvivorshipRules(Strict):
    """Which record's value becomes the person's, per field."""

    email: Survivorship = "most_recent"
    phone: Survivorship = "most_recent"
    first_name: Survivorship = "most_recent"
    last_name: Survivorship = "most_recent"


class IdentityConfig(Strict):
    email: EmailRules = EmailRules()
    phone: PhoneRules = PhoneRules()
    # in priority order: the first is the strongest; limits drop rules from the end
    match_rules: list[MatchRule] = Field(default_factory=_default_rules, min_length=1, max_length=8)
    limits: Limits = Limits()
    blocked: Blocked = Blocked()
    survivorship: SurvivorshipRules = SurvivorshipRules()
    # source names (keys of `sources:`), first wins ties and source_priority survivorship; sources not listed
    # follow in the order of `sources:` ([]: that order alone, after dbt's var `preferred_source` when set)
    source_priority: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(default_factory=list)
    max_passes: Annotated[int, Field(ge=1, le=200)] = 30  # label propagation passes before giving up

    @model_validator(mode="after")
    def _distinct_rules(self) -> IdentityConfig:
        names = ["+".join([rule.identifier, *rule.same]) for rule in self.match_rules]
        if len(names) != len(set(names)):
            raise ValueError(f"match_rules lists a rule twice ({', '.join(names)})")
        return self

    def dbt_vars(self) -> dict[str, Any]:
        """The `identity` dbt var (what a source plugin knows about its own ids is in its people model)."""
        country = self.phone.country
        return {
            "email": self.email.model_dump(),
            "phone": {
                "country_code": country.calling_code,
                "trunk_prefix": country.trunk_prefix,
                "international_prefix": country.international_prefix,
            },
            "match_rules": [rule.model_dump() for rule in self.match_rules],
            "limits": self.limits.model_dump(),
            "blocked": self.blocked.model_dump(),
            "survivorship": self.survivorship.model_dump(),
            "source_priority": self.source_priority,
            "max_passes": self.max_passes,
        }
