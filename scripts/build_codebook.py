"""Regenerate the CAMEO codebook CSVs shipped in ``src/coded_events/codebook_data/``.

Maintainer tool: it reads the curated reference tables (TSV, with provenance in
their SOURCES.md) and writes the small CSV files the package ships.  Only codes,
labels and numbers are shipped; the manual's prose stays out of the package.

    python scripts/build_codebook.py PATH/TO/reference/cameo

The output is committed; users never run this.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "coded_events" / "codebook_data"

# Codes that CAMEO 1.1b3 does not contain, kept so that older data still parses.
DEPRECATED_EVENT_CODES = {
    "1213": ("121", "in ICEWS and CAMEO 0.7b5 only; CAMEO 1.1b3 has no 1213: use 121"),
    "1214": ("121", "in CAMEO 0.7b5 only; CAMEO 1.1b3 has no 1214: use 121"),
}

# PLOVER sector codes that CAMEO lacks and that this project needs.
PLOVER_ROLE_EXTENSIONS = {
    "PRE": "Partially recognised entity: breakaway region, partially recognised state or "
    "disputed territory, coded under its parent state (PLOVER 2.0 draft sector code)",
}

# Country codes recent GDELT files use (ISO 3166 alpha-3) that GDELT's CAMEO.country.txt
# lacks; kept beside the older MTN and ROM (coded-events import, issue 15).
GDELT_COUNTRY_EXTENSIONS = {
    "MNE": "Montenegro",
    "ROU": "Romania",
    "SSD": "South Sudan",
}


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def event_codes(ref: Path) -> None:
    goldstein = {row["code"]: row for row in read_tsv(ref / "goldstein.tsv")}
    quad = {row["root_code"]: row["quadclass_gdelt"] for row in read_tsv(ref / "quadclass.tsv")}
    rows = []
    for row in read_tsv(ref / "event_codes.tsv"):
        code = row["code"]
        label = (row["label_cameo_1_1b3"] or row["label_icews"] or row["label_cameo_0_7b5"]).strip()
        score = goldstein.get(code, {})
        replaced_by, why = DEPRECATED_EVENT_CODES.get(code, ("", ""))
        rows.append(
            [
                code,
                label,
                row["root_code"],
                row["parent_code"],
                quad[row["root_code"]],
                score.get("goldstein_gdelt", ""),
                score.get("goldstein_icews", ""),
                row["in_cameo_1_1b3"],
                "1.0.0" if replaced_by else "",
                replaced_by,
                why,
            ]
        )
    write_csv(
        "event_codes.csv",
        [
            "code",
            "label",
            "root_code",
            "parent_code",
            "quad_class",
            "goldstein",
            "goldstein_icews",
            "in_cameo_1_1b3",
            "deprecated_since",
            "replaced_by",
            "deprecation_note",
        ],
        rows,
    )


def quad_classes(ref: Path) -> None:
    rows = [
        [
            r["root_code"],
            r["root_label"],
            r["quadclass_gdelt"],
            r["quadclass_gdelt_label"],
            "Y" if r["root_code"] == "20" else "N",
        ]
        for r in read_tsv(ref / "quadclass.tsv")
    ]
    write_csv(
        "quad_classes.csv",
        ["root_code", "root_label", "quad_class", "quad_label", "assumed"],
        rows,
    )


def actor_codes(ref: Path) -> None:
    countries = [
        [r["code"], r["label_gdelt"], r["category"].split(" (")[0]]
        for r in read_tsv(ref / "actor_countries.tsv")
    ]
    known = {row[0] for row in countries}
    countries += [
        [code, label, "country or territory"]
        for code, label in GDELT_COUNTRY_EXTENSIONS.items()
        if code not in known
    ]
    write_csv("actor_countries.csv", ["code", "label", "category"], countries)

    roles: dict[str, list[str]] = {}
    for r in read_tsv(ref / "actor_types.tsv"):
        if r["code"] in roles:
            continue  # UIS is listed twice in the GDELT file
        klass = (r["cameo_manual_class"] or "unclassified").split(" (")[0]
        roles[r["code"]] = [r["code"], r["label_gdelt"], klass, "CAMEO"]
    for code, label in PLOVER_ROLE_EXTENSIONS.items():
        roles[code] = [code, label, "primary", "PLOVER"]
    write_csv("actor_roles.csv", ["code", "label", "class", "source"], list(roles.values()))

    groups: dict[str, list[str]] = {}
    for r in read_tsv(ref / "known_groups.tsv"):
        groups.setdefault(r["code"], [r["code"], r["label"]])
    write_csv("known_groups.csv", ["code", "label"], list(groups.values()))

    ethnic: dict[str, list[str]] = {}
    for r in read_tsv(ref / "ethnic.tsv"):
        ethnic.setdefault(r["code"], [r["code"], r["label_gdelt"]])
    write_csv("ethnic_groups.csv", ["code", "label"], list(ethnic.values()))

    religions = [[r["code"], r["label_gdelt"]] for r in read_tsv(ref / "religion.tsv")]
    write_csv("religions.csv", ["code", "label"], religions)


def iso_countries() -> None:
    """ISO 3166-1 alpha-3 codes and names, from pycountry (maintainer-time only)."""
    import pycountry

    rows = sorted([c.alpha_3, c.name] for c in pycountry.countries)
    write_csv("iso_countries.csv", ["alpha_3", "name"], rows)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    ref = Path(argv[0])
    OUT.mkdir(parents=True, exist_ok=True)
    event_codes(ref)
    quad_classes(ref)
    actor_codes(ref)
    iso_countries()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
