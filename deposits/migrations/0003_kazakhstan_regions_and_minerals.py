# ruff: noqa: RUF001 -- Russian, Kazakh and Chinese names are meant to be in their own scripts.
"""Kazakhstan's regions and the minerals the catalogue filters by, for every database.

Production needs them as much as the demo does: a deposit cannot be entered without its
region, nor a reserve without its mineral. The rows are written here, frozen with the
migration, so a later edit of the list cannot change what an old database received; a new
region or mineral comes in a migration of its own.

Idempotent: a row whose code exists already (entered by staff, or by an earlier demo) is
left as it is. Reversing leaves the rows: deposits and reserves may point at them.
"""

from typing import NamedTuple

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


class RegionRow(NamedTuple):
    code: str
    kind: str
    en: str
    ru: str
    kk: str


OBLAST, CITY = "oblast", "city"
REGIONS: tuple[RegionRow, ...] = (
    RegionRow("abai", OBLAST, "Abai Region", "Область Абай", "Абай облысы"),
    RegionRow("akmola", OBLAST, "Akmola Region", "Акмолинская область", "Ақмола облысы"),
    RegionRow("aktobe", OBLAST, "Aktobe Region", "Актюбинская область", "Ақтөбе облысы"),
    RegionRow("almaty-region", OBLAST, "Almaty Region", "Алматинская область", "Алматы облысы"),
    RegionRow("atyrau", OBLAST, "Atyrau Region", "Атырауская область", "Атырау облысы"),
    RegionRow(
        "east-kazakhstan",
        OBLAST,
        "East Kazakhstan Region",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
    ),
    RegionRow("jambyl", OBLAST, "Jambyl Region", "Жамбылская область", "Жамбыл облысы"),
    RegionRow("jetisu", OBLAST, "Jetisu Region", "Область Жетісу", "Жетісу облысы"),
    RegionRow(
        "karaganda", OBLAST, "Karaganda Region", "Карагандинская область", "Қарағанды облысы"
    ),
    RegionRow("kostanay", OBLAST, "Kostanay Region", "Костанайская область", "Қостанай облысы"),
    RegionRow(
        "kyzylorda", OBLAST, "Kyzylorda Region", "Кызылординская область", "Қызылорда облысы"
    ),
    RegionRow("mangystau", OBLAST, "Mangystau Region", "Мангистауская область", "Маңғыстау облысы"),
    RegionRow(
        "north-kazakhstan",
        OBLAST,
        "North Kazakhstan Region",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
    ),
    RegionRow("pavlodar", OBLAST, "Pavlodar Region", "Павлодарская область", "Павлодар облысы"),
    RegionRow("turkistan", OBLAST, "Turkistan Region", "Туркестанская область", "Түркістан облысы"),
    RegionRow("ulytau", OBLAST, "Ulytau Region", "Область Ұлытау", "Ұлытау облысы"),
    RegionRow(
        "west-kazakhstan",
        OBLAST,
        "West Kazakhstan Region",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
    ),
    RegionRow("astana", CITY, "Astana", "Астана", "Астана"),
    RegionRow("almaty", CITY, "Almaty", "Алматы", "Алматы"),
    RegionRow("shymkent", CITY, "Shymkent", "Шымкент", "Шымкент"),
)
# The regions as Chinese maps and news write them: many bidders read Chinese.
REGION_NAMES_ZH: dict[str, str] = {
    "abai": "阿拜州",
    "akmola": "阿克莫拉州",
    "aktobe": "阿克托别州",
    "almaty-region": "阿拉木图州",
    "atyrau": "阿特劳州",
    "east-kazakhstan": "东哈萨克斯坦州",
    "jambyl": "江布尔州",
    "jetisu": "杰特苏州",
    "karaganda": "卡拉干达州",
    "kostanay": "科斯塔奈州",
    "kyzylorda": "克孜勒奥尔达州",
    "mangystau": "曼格斯套州",
    "north-kazakhstan": "北哈萨克斯坦州",
    "pavlodar": "巴甫洛达尔州",
    "turkistan": "突厥斯坦州",
    "ulytau": "乌勒套州",
    "west-kazakhstan": "西哈萨克斯坦州",
    "astana": "阿斯塔纳",
    "almaty": "阿拉木图",
    "shymkent": "奇姆肯特",
}


class MineralRow(NamedTuple):
    code: str
    symbol: str
    group: str
    is_critical: bool
    en: str
    ru: str
    kk: str
    zh_hans: str


# Critical as on the EU's 2023 and the USGS's critical raw material lists.
MINERALS: tuple[MineralRow, ...] = (
    MineralRow("cerium", "Ce", "rare_earth", True, "Cerium", "Церий", "Церий", "铈"),
    MineralRow("lanthanum", "La", "rare_earth", True, "Lanthanum", "Лантан", "Лантан", "镧"),
    MineralRow("neodymium", "Nd", "rare_earth", True, "Neodymium", "Неодим", "Неодим", "钕"),
    MineralRow("yttrium", "Y", "rare_earth", True, "Yttrium", "Иттрий", "Иттрий", "钇"),
    MineralRow("tungsten", "W", "rare_metal", True, "Tungsten", "Вольфрам", "Вольфрам", "钨"),
    MineralRow("niobium", "Nb", "rare_metal", True, "Niobium", "Ниобий", "Ниобий", "铌"),
    MineralRow("tantalum", "Ta", "rare_metal", True, "Tantalum", "Тантал", "Тантал", "钽"),
    MineralRow("beryllium", "Be", "rare_metal", True, "Beryllium", "Бериллий", "Бериллий", "铍"),
    MineralRow("lithium", "Li", "rare_metal", True, "Lithium", "Литий", "Литий", "锂"),
    MineralRow("molybdenum", "Mo", "rare_metal", False, "Molybdenum", "Молибден", "Молибден", "钼"),
    MineralRow("gold", "Au", "precious", False, "Gold", "Золото", "Алтын", "金"),
    MineralRow("silver", "Ag", "precious", False, "Silver", "Серебро", "Күміс", "银"),
    MineralRow("copper", "Cu", "base_metal", True, "Copper", "Медь", "Мыс", "铜"),
    MineralRow("zinc", "Zn", "base_metal", True, "Zinc", "Цинк", "Мырыш", "锌"),
    MineralRow("lead", "Pb", "base_metal", False, "Lead", "Свинец", "Қорғасын", "铅"),
    MineralRow("nickel", "Ni", "base_metal", True, "Nickel", "Никель", "Никель", "镍"),
    MineralRow("coal", "", "energy", False, "Coal", "Уголь", "Көмір", "煤"),
    MineralRow(
        "iron-ore", "Fe", "other", False, "Iron ore", "Железная руда", "Темір кені", "铁矿石"
    ),
    MineralRow("manganese", "Mn", "other", True, "Manganese", "Марганец", "Марганец", "锰"),
)


def add_reference_rows(apps: Apps, *, using: str) -> None:
    """Create each region and mineral whose code is missing, with its name in every language."""
    region_model = apps.get_model("deposits", "Region")
    mineral_model = apps.get_model("deposits", "Mineral")
    db = using
    regions = region_model.objects.using(db)
    present = set(regions.values_list("code", flat=True))
    regions.bulk_create(
        region_model(
            code=row.code,
            kind=row.kind,
            # The historical model has no modeltranslation: `name` is the English default.
            name=row.en,
            name_en=row.en,
            name_ru=row.ru,
            name_kk=row.kk,
            name_zh_hans=REGION_NAMES_ZH[row.code],
        )
        for row in REGIONS
        if row.code not in present
    )
    minerals = mineral_model.objects.using(db)
    present = set(minerals.values_list("code", flat=True))
    minerals.bulk_create(
        mineral_model(
            code=row.code,
            symbol=row.symbol,
            group=row.group,
            is_critical=row.is_critical,
            name=row.en,
            name_en=row.en,
            name_ru=row.ru,
            name_kk=row.kk,
            name_zh_hans=row.zh_hans,
        )
        for row in MINERALS
        if row.code not in present
    )


def add_regions_and_minerals(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    add_reference_rows(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("deposits", "0002_catalogue_name_indexes"),
    ]

    operations = [
        migrations.RunPython(add_regions_and_minerals, migrations.RunPython.noop),
    ]
