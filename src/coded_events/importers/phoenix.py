"""OEDA Phoenix daily files (26 tab-separated columns, no header): the parsing rules.

Each rule works on one column (or a few) of a batch, as Arrow arrays; values that need a
codebook lookup are resolved once per distinct value (``columns.map_distinct``,
``map_rows``), so the work grows with the number of distinct codes, not rows. What each
rule reports is a mask per code.

- ids such as ``1701787_v0.1.0`` become ``phoenix-1701787-v0-1-0`` (our id rules); the
  original stays the producer's id in provenance;
- QuadClass is on Phoenix's 0-4 scale (0 = neutral): it is compared with the class Phoenix
  gives the root code (``phoenix_quad_classes.csv``), never imported;
- blank event codes, and codes the codebook lacks, reject the row; a code that lost its
  leading zero (``43`` for ``043``) is padded only when the row's root code proves it;
- actor codes that fail our pattern (``IMGMOSISI``, ``WEUREB``) are rebuilt from the
  entity, role and attribute columns: religions go to the religion field, known groups
  stay segments, what cannot be expressed is reported;
- Phoenix gives no actor names: the name stays empty and a name derived from the code goes
  to the notes, marked as derived, never passed off as the text's;
- many sentence ids and URLs per event (``;``-separated) are kept verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from coded_events.importers import crosswalks
from coded_events.importers.codes import event_code_rule
from coded_events.importers.columns import map_distinct, map_rows
from coded_events.importers.format import Batch, Converted, Format, Issue, Layout, Rule
from coded_events.importers.rules import day_rule, place_rule, text_source_rule
from coded_events.spec import codebook

__all__ = [
    "COLUMNS",
    "FORMAT",
    "ActorRebuild",
    "derived_name",
    "event_codes",
    "event_ids",
    "quad_class_disagrees",
    "rebuild_actor",
    "split_list",
]

COLUMNS = (
    "EventID",
    "Date",
    "Year",
    "Month",
    "Day",
    "SourceActorFull",
    "SourceActorEntity",
    "SourceActorRole",
    "SourceActorAttribute",
    "TargetActorFull",
    "TargetActorEntity",
    "TargetActorRole",
    "TargetActorAttribute",
    "EventCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScore",
    "Issues",
    "Lat",
    "Lon",
    "LocationName",
    "StateName",
    "CountryCode",
    "SentenceID",
    "URLs",
    "NewsSources",
)
"""The 26 columns of the OEDA Phoenix format, in file order."""

ID_PREFIX = "phoenix"
_NOT_ID = re.compile(r"[^a-z0-9]+")


def _our_id(producer_id: str | None) -> str | None:
    if producer_id is None:
        return None
    slug = _NOT_ID.sub("-", producer_id.lower()).strip("-")
    return f"{ID_PREFIX}-{slug}" if slug else None


def event_ids(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Our event ids for Phoenix ids, and the mask of ids that had to be rewritten.

    Every run of characters our id rules do not allow (``_``, ``.``, upper case) becomes
    one ``-``: ``1701787_v0.1.0`` -> ``phoenix-1701787-v0-1-0``. A null id stays null.
    """
    ours = map_distinct(ids, _our_id, pa.string())
    plain = pc.binary_join_element_wise(pa.scalar(f"{ID_PREFIX}-"), ids, "")
    return ours, pc.fill_null(pc.not_equal(ours, plain), False)


def quad_class_disagrees(root_codes: pa.Array, quad_classes: pa.Array) -> pa.Array:
    """Rows whose QuadClass (0-4) is not the one Phoenix gives their root code.

    A blank QuadClass is not a disagreement (nothing to compare); a value outside 0-4 is.
    """
    expected = map_distinct(
        root_codes, lambda r: None if r is None else crosswalks.phoenix_quad_class(r), pa.string()
    )
    given = pc.utf8_trim_whitespace(quad_classes)
    disagree = pc.not_equal(given, expected)
    return pc.fill_null(pc.and_(disagree, pc.not_equal(given, "")), False)


def _event_code(code: str, root: str) -> dict[str, str | None]:
    code, root = code.strip(), root.strip()
    known = codebook.event_codes()
    if not code:
        return {"code": None, "outcome": "blank"}
    if code in known:
        return {"code": code, "outcome": "ok"}
    padded = "0" + code
    if code.isdigit() and padded in known and root.zfill(2) == known[padded].root_code:
        return {"code": padded, "outcome": "padded"}
    return {"code": None, "outcome": "unknown"}


_CODE_RESULT = pa.struct([("code", pa.string()), ("outcome", pa.string())])


def event_codes(codes: pa.Array, roots: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The CAMEO code of each row (null when rejected) and its outcome: ``ok``,
    ``padded`` (a lost leading zero restored because the row's root code proves it),
    ``blank`` or ``unknown`` (both reject the row)."""
    results = map_rows([codes, roots], _event_code, _CODE_RESULT)
    return results.field("code"), results.field("outcome")


@dataclass(frozen=True)
class ActorRebuild:
    """An actor code rebuilt from Phoenix's columns, and what could not be expressed."""

    code: str | None
    religion: str | None
    known_group: str | None
    dropped: tuple[str, ...]


def _valid(code: str) -> bool:
    try:
        codebook.actor(code)
    except codebook.UnknownCodeError:
        return False
    return True


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def rebuild_actor(
    full: str | None, entity: str | None, role: str | None, attribute: str | None
) -> ActorRebuild:
    """Our actor code for a Phoenix actor.

    A full code our codebook accepts is kept. Otherwise the code is rebuilt: the entity
    (a country, region or international type), then the roles, then known groups from
    the attribute column; religion codes move to the religion field; a segment the
    codebook lacks (``WEU`` in ``WEUREB``) is dropped and named in ``dropped``.
    """
    full = (full or "").strip()
    if not full:
        return ActorRebuild(None, None, None, ())
    if _valid(full):
        return ActorRebuild(full, None, None, ())
    pieces = [p for p in [(entity or "").strip(), *_split(role), *_split(attribute)] if p]
    if not pieces:
        pieces = [full[i : i + 3] for i in range(0, len(full), 3)]
    code, religion, group, dropped = "", None, None, []
    for piece in pieces:
        if _valid(code + piece):
            code += piece
            if piece in codebook.known_groups() and code != piece:
                group = group or piece
        elif piece in codebook.religions() and religion is None:
            religion = piece
        else:
            dropped.append(piece)
    return ActorRebuild(code or None, religion, group, tuple(dropped))


def derived_name(code: str | None) -> str | None:
    """A name derived from an actor code's codebook labels (``USAGOV`` -> ``United States
    / Government``), for the notes only: Phoenix gives no names."""
    if not code:
        return None
    try:
        parsed = codebook.actor(code)
    except codebook.UnknownCodeError:
        return None
    return " / ".join(segment.label for segment in parsed.segments)


def split_list(values: pa.Array) -> pa.Array:
    """A ``;``-separated cell (sentence ids, URLs, news sources) as a list, verbatim."""
    return pc.split_pattern(values, ";")


# --- the declared format ------------------------------------------------------------------

_ACTOR = pa.struct(
    [
        ("code", pa.string()),
        ("religion", pa.string()),
        ("known_group", pa.string()),
        ("lost", pa.string()),
        ("derived", pa.string()),
    ]
)


def _actor_fields(full: str, entity: str, role: str, attribute: str) -> dict[str, str | None]:
    built = rebuild_actor(full or None, entity or None, role or None, attribute or None)
    lost = None
    if built.dropped:
        lost = f"segment(s) {', '.join(built.dropped)} not in the codebook"
    if full.strip() and built.code is None and not built.dropped:
        lost = "no segment of the code is in the codebook"
    return {
        "code": built.code,
        "religion": built.religion,
        "known_group": built.known_group,
        "lost": lost,
        "derived": derived_name(built.code),
    }


def _actor_rule(prefix: str, side: str, doc: str) -> Rule:
    sources = tuple(f"{side}Actor{p}" for p in ("Full", "Entity", "Role", "Attribute"))
    targets = tuple(
        f"events.{prefix}_{p}" for p in ("code", "name", "ethnic", "religion", "known_group")
    )

    def convert(batch: Batch, full: pa.Array, *parts: pa.Array) -> Converted:
        built = map_rows([full, *parts], _actor_fields, _ACTOR)
        nothing = pa.nulls(len(batch), pa.string())
        lost = built.field("lost")
        issue = Issue(
            "import-actor-not-expressible",
            pc.is_valid(lost),
            full,
            {"code": pc.fill_null(full, "(none)"), "lost": lost},
            sources[0],
        )
        values = (built.field("code"), nothing, nothing, built.field("religion"),
                  built.field("known_group"))  # fmt: skip
        return Converted(dict(zip(targets, values, strict=True)), [issue])

    return Rule(targets, sources, convert, doc, keep=True)


def _notes_rule(doc: str) -> Rule:
    sources = tuple(
        f"{side}Actor{p}" for side in ("Source", "Target") for p in ("Full", "Entity", "Role",
                                                                     "Attribute")
    )  # fmt: skip

    def convert(batch: Batch, *columns: pa.Array) -> Converted:
        parts = []
        for label, group in (("source", columns[:4]), ("target", columns[4:])):
            built = map_rows(list(group), _actor_fields, _ACTOR)
            text = pc.binary_join_element_wise(
                f"{label} ", built.field("code"), " = ", built.field("derived"), ""
            )
            parts.append(text)
        # both, or the one there is (not null_handling="skip": pyarrow 26 drops the rows
        # where every part is null, so the column came out shorter than the batch)
        source, target = parts
        joined = pc.coalesce(pc.binary_join_element_wise(source, target, "; "), source, target)
        note = pc.binary_join_element_wise(
            "Actor names derived from the codes by coded-events (Phoenix gives no names): ",
            joined,
            "",
        )
        return Converted({"events.notes": note})

    return Rule(("events.notes",), sources, convert, doc)


def _code_rule(doc: str) -> Rule:
    base = event_code_rule("EventCode", root="EventRootCode", goldstein="GoldsteinScore", doc=doc)

    def convert(batch: Batch, code: pa.Array, root: pa.Array, goldstein: pa.Array,
                quad: pa.Array) -> Converted:  # fmt: skip
        converted = base.convert(batch, code, root, goldstein)
        chosen = converted.columns["events.cameo_code"]
        ours_root = pc.utf8_slice_codeunits(chosen, 0, 2)
        expected = map_distinct(ours_root, crosswalks.phoenix_quad_class, pa.string())
        differs = pc.and_(pc.is_valid(chosen), quad_class_disagrees(ours_root, quad))
        converted.issues.append(
            Issue(
                "import-derived-disagrees",
                differs,
                quad,
                {
                    "field": "QuadClass (Phoenix 0-4 scale)",
                    "ours": pc.fill_null(expected, "none"),
                    "theirs": quad,
                },
                "QuadClass",
            )
        )
        return converted

    return Rule(base.targets, (*base.sources, "QuadClass"), convert, doc, keep=True)


def _precision(row: dict[str, str | None]) -> str:
    if row["admin1"]:
        return "settlement"
    return "country" if row["name"] or row["country"] else "none"


def _iso_country(code: str) -> str | None:
    code = code.strip()
    return code if code in codebook.iso_countries() else None


FORMAT = Format(
    name="phoenix",
    producer="Phoenix",
    producer_version="",
    description="OEDA Phoenix daily event files (`events.full.YYYYMMDD.txt`): 26 "
    "tab-separated columns, no header.",
    layouts=(Layout(COLUMNS, "OEDA Phoenix daily files"),),
    id_column="EventID",
    rules=(
        day_rule(
            "Date",
            "%Y%m%d",
            "The event day (YYYYMMDD, strict). Year, Month and Day repeat it and stay "
            "in provenance.",
        ),
        _actor_rule(
            "source_actor",
            "Source",
            "SourceActorFull when the codebook accepts it; otherwise rebuilt from "
            "SourceActorEntity, SourceActorRole and SourceActorAttribute (`;` lists): "
            "religions go to the religion field, known groups stay segments, segments the "
            "codebook lacks (`WEU` in `WEUREB`, `IMG` in `IMGMOSISI`) are dropped and "
            "reported (`import-actor-not-expressible`). Phoenix gives **no actor names**: "
            "`source_actor_name` stays empty (a name derived from the code goes only to "
            "`events.notes`, marked as derived).",
        ),
        _actor_rule("target_actor", "Target", "As the source actor, for the target."),
        _code_rule(
            "Read as text; a code that lost its leading zero is padded only when "
            "EventRootCode or GoldsteinScore prove it, a blank or unknown code is "
            "rejected. QuadClass is on Phoenix's 0-4 scale (0 neutral, "
            "`phoenix_quad_classes.csv`): compared with the class Phoenix gives our "
            "code's root, never imported; EventRootCode and GoldsteinScore are compared "
            "with the codebook (`import-derived-disagrees`)."
        ),
        place_rule(
            ("LocationName", "StateName", "", "CountryCode", "Lat", "Lon"),
            _iso_country,
            _precision,
            "LocationName is the place (Phoenix's geolocation names a country by its "
            "full name), StateName its first-level division; CountryCode is ISO 3166-1 "
            "alpha-3. geo_precision: settlement with a StateName, else country; `0,0` "
            "without a place is missing; coordinates outside the country are dropped.",
        ),
        text_source_rule(
            "URLs",
            "URLs is a `;` list (many articles per event): the source is the first URL "
            "(`url-<sha256 prefix>`, the id the GDELT importer gives the same URL), in "
            "provenance.source_url; the whole list, SentenceID and NewsSources stay "
            "verbatim in provenance.",
            first_url=True,
        ),
        _notes_rule(
            "Names derived from the rebuilt actor codes' codebook labels, marked as "
            "derived: `Actor names derived from the codes by coded-events (Phoenix gives "
            "no names): source USAGOV = United States / Government`."
        ),
    ),
    homepage="https://github.com/openeventdata/phoenix_pipeline",
    licence="OEDA Phoenix data: the Open Event Data Alliance's terms",
    notes=(
        "Ids such as `1701787_v0.1.0` become `phoenix-1701787-v0-1-0`; the original is "
        "`provenance.producer_event_id`. Issues, SentenceID, NewsSources, Year, Month and "
        "Day have no home in our model: they stay verbatim in `provenance.producer_fields`.",
    ),
)
