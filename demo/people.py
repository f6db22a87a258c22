"""The demo's people: staff in each role and four bidders, with their published logins."""

from typing import NamedTuple

from core.roles import AUDITORS, CLERKS, HEADS_OF_COMMISSION

DEMO_PASSWORD = "nedra-demo-2026"  # noqa: S105 -- a published demo password, on purpose
# Every demo login's authenticator app, published with the password: staff need a second
# factor for the admin and bidders before their first bid. `manage.py demo_code` prints
# the code it gives now.
DEMO_TOTP_SECRET = "NEDRADEMOKZSUBSOILAUCTIONSTWOFAC"  # noqa: S105
# A one-page PDF standing in for each demo company's scanned documents.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class StaffRow(NamedTuple):
    username: str
    role: str
    first_name: str
    last_name: str
    email: str
    is_superuser: bool
    group: str = ""


# Each staff login in one role (core/roles.py), the platform administrator aside.
STAFF: tuple[StaffRow, ...] = (
    StaffRow(
        "admin", "Platform administrator", "Yerlan", "Abdrakhmanov", "admin@nedra.example", True
    ),
    StaffRow(
        "clerk", "Ministry clerk", "Aigul", "Tokhtarova", "clerk@nedra.example", False, CLERKS
    ),
    StaffRow(
        "head",
        "Head of the auction commission",
        "Marat",
        "Seitkali",
        "head@nedra.example",
        False,
        HEADS_OF_COMMISSION,
    ),
    StaffRow(
        "auditor",
        "Auditor (read only)",
        "Saule",
        "Bekova",
        "auditor@nedra.example",
        False,
        AUDITORS,
    ),
)


class OwnerRow(NamedTuple):
    full_name: str
    country: str
    identifier: str
    share_percent: str


class CompanyRow(NamedTuple):
    username: str
    first_name: str
    last_name: str
    position: str
    legal_name: str
    country: str
    registration_number: str
    tax_number: str
    address: str
    contact_email: str
    contact_phone: str
    owners: tuple[OwnerRow, ...]


COMPANIES: tuple[CompanyRow, ...] = (
    CompanyRow(
        username="ridgeline",
        first_name="Megan",
        last_name="O'Rourke",
        position="Vice President, Business Development",
        legal_name="Ridgeline Critical Minerals Inc.",
        country="US",
        registration_number="7312458",  # Delaware file number
        tax_number="88-4127390",  # EIN
        address="1801 California Street, Suite 2400, Denver, CO 80202, United States",
        contact_email="megan.orourke@ridgeline-minerals.example",
        contact_phone="+1 303 555 0142",
        owners=(
            OwnerRow("Daniel R. Whitaker", "US", "583920174", "38.50"),
            OwnerRow("Harborview Resources Fund II, L.P.", "US", "DE-6623017", "24.00"),
        ),
    ),
    CompanyRow(
        username="nordic",
        first_name="Aino",
        last_name="Virtanen",
        position="Head of Exploration",
        legal_name="Nordic Battery Metals Oy",
        country="FI",
        registration_number="3291846-5",  # Business ID (Y-tunnus)
        tax_number="FI32918465",  # EU VAT number
        address="Aleksanterinkatu 17, 00100 Helsinki, Finland",
        contact_email="aino.virtanen@nordicbatterymetals.example",
        contact_phone="+358 9 6220 0310",
        owners=(
            OwnerRow("Mikko Lehtonen", "FI", "FP4839217", "45.00"),
            OwnerRow("Kari Nieminen", "FI", "FP2275904", "30.00"),
        ),
    ),
    CompanyRow(
        username="sinoearth",
        first_name="Jing",
        last_name="Chen",
        position="Overseas Projects Manager",
        legal_name="SinoEarth Resources Co., Ltd.",
        country="CN",
        # The unified social credit code is both the registration and the tax number.
        registration_number="91110105MA01R3XK7N",
        tax_number="91110105MA01R3XK7N",
        address="Room 1206, Tower B, 8 Jianguomenwai Avenue, Chaoyang District, "
        "Beijing 100022, China",
        contact_email="chen.jing@sinoearth.example",
        contact_phone="+86 10 6518 2270",
        owners=(
            OwnerRow("Wang Jianguo", "CN", "E38291746", "51.00"),
            OwnerRow("Zhao Lihua", "CN", "E57720193", "20.00"),
        ),
    ),
    CompanyRow(
        username="steppe",
        first_name="Aigerim",
        last_name="Sadykova",
        position="Director",
        legal_name="Steppe Mining LLP",
        country="KZ",
        # The business identification number (BIN) is also the tax number.
        registration_number="190840012346",
        tax_number="190840012346",
        address="55/20 Mangilik El Avenue, office 1402, Yesil district, Astana 010000, Kazakhstan",
        contact_email="a.sadykova@steppemining.example",
        contact_phone="+7 717 255 0190",
        owners=(
            # Individual identification numbers (IIN).
            OwnerRow("Nurlan Abenov", "KZ", "780514300124", "60.00"),
            OwnerRow("Dana Zhaksybekova", "KZ", "850921400911", "40.00"),
        ),
    ),
)
