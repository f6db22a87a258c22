# ruff: noqa: RUF001 -- Russian, Kazakh and Chinese names are meant to be in their own scripts.
"""The demo's catalogue: a 50-lot solid-minerals auction, a live lot, and the words of its texts.

Modelled on Kazakhstan's June 2025 solid-minerals auction. The deposits and reserves are
illustrative; the regions and minerals they name are the reference rows every database
gets from deposits' migrations. The synthetic catalogue (demo/synthetic.py) builds its
texts from the same words.
"""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from django.utils import timezone

from auctions.models import LicenceType
from core.money import CENT
from licensing.workdays import add_working_days, is_working_day

# --- Words the deposit descriptions are built from -----------------------------------------

# Nearest town in English and in Russian; the Russian keeps its town/village abbreviation,
# which lets the name stay undeclined after a preposition.
TOWNS: dict[str, tuple[str, str]] = {
    "aksu-ayuly": ("Aksu-Ayuly", "с. Аксу-Аюлы"),
    "altai": ("Altai (Zyryanovsk)", "г. Алтай"),
    "arkalyk": ("Arkalyk", "г. Аркалык"),
    "atasu": ("Atasu", "пос. Атасу"),
    "auliekol": ("Auliekol", "с. Аулиеколь"),
    "ayagoz": ("Ayagoz", "г. Аягоз"),
    "balkhash": ("Balkhash", "г. Балхаш"),
    "bayanaul": ("Bayanaul", "с. Баянаул"),
    "ekibastuz": ("Ekibastuz", "г. Экибастуз"),
    "emba": ("Emba", "г. Эмба"),
    "kandyagash": ("Kandyagash", "г. Кандыагаш"),
    "karaganda": ("Karaganda", "г. Караганда"),
    "karaul": ("Karaul", "с. Караул"),
    "karazhal": ("Karazhal", "г. Каражал"),
    "karkaraly": ("Karkaraly", "г. Каркаралинск"),
    "kentau": ("Kentau", "г. Кентау"),
    "khromtau": ("Khromtau", "г. Хромтау"),
    "kurchatov": ("Kurchatov", "г. Курчатов"),
    "kurchum": ("Kurchum", "с. Курчум"),
    "makinsk": ("Makinsk", "г. Макинск"),
    "oskemen": ("Oskemen", "г. Усть-Каменогорск"),
    "ridder": ("Ridder", "г. Риддер"),
    "rudny": ("Rudny", "г. Рудный"),
    "sarkand": ("Sarkand", "г. Саркан"),
    "satpayev": ("Satpayev", "г. Сатпаев"),
    "shakhtinsk": ("Shakhtinsk", "г. Шахтинск"),
    "shieli": ("Shieli", "пос. Шиели"),
    "tekeli": ("Tekeli", "г. Текели"),
    "ulytau": ("Ulytau", "с. Улытау"),
    "urzhar": ("Urzhar", "с. Урджар"),
    "ushtobe": ("Ushtobe", "г. Уштобе"),
    "zhanakorgan": ("Zhanakorgan", "пос. Жанакорган"),
    "zhanatas": ("Zhanatas", "г. Жанатас"),
    "zhezkazgan": ("Zhezkazgan", "г. Жезказган"),
    "zhitikara": ("Zhitikara", "г. Житикара"),
    "zholymbet": ("Zholymbet", "пос. Жолымбет"),
}
DIRECTIONS: dict[str, tuple[str, str]] = {
    "N": ("north", "к северу"),
    "NE": ("north-east", "к северо-востоку"),
    "E": ("east", "к востоку"),
    "SE": ("south-east", "к юго-востоку"),
    "S": ("south", "к югу"),
    "SW": ("south-west", "к юго-западу"),
    "W": ("west", "к западу"),
    "NW": ("north-west", "к северо-западу"),
}
GEOLOGY: dict[str, tuple[str, str]] = {
    "ree-crust": (
        "Rare-earth mineralisation in a kaolinite weathering crust over granites and in the "
        "bedrock below it: cerium and lanthanum predominate, with neodymium and yttrium. "
        "Reserves are stated in tonnes of rare-earth oxides.",
        "Редкоземельное оруденение в каолиновой коре выветривания по гранитам и в подстилающих "
        "коренных породах: преобладают церий и лантан, присутствуют неодим и иттрий. Запасы "
        "указаны в тоннах оксидов редкоземельных металлов.",
    ),
    "ree-phosphorite": (
        "Rare earths in Upper Cretaceous granular phosphorites of the Aktobe phosphorite "
        "basin, at shallow depth under loose cover. Reserves are stated in tonnes of oxides.",
        "Редкие земли в верхнемеловых зернистых фосфоритах Актюбинского фосфоритоносного "
        "бассейна, на небольшой глубине под рыхлыми отложениями. Запасы указаны в тоннах "
        "оксидов.",
    ),
    "ree-granite": (
        "Rare earths and yttrium in albitised granites and greisen zones at the top of a "
        "Permian granite massif. Reserves are stated in tonnes of oxides.",
        "Редкие земли и иттрий в альбитизированных гранитах и зонах грейзенизации в апикальной "
        "части пермского гранитного массива. Запасы указаны в тоннах оксидов.",
    ),
    "nb-ree-carbonatite": (
        "Niobium and rare earths (pyrochlore, monazite) in an alkaline-ultramafic complex "
        "with carbonatite dykes. Reserves are stated in tonnes of Nb2O5 and rare-earth oxides.",
        "Ниобий и редкие земли (пирохлор, монацит) в щелочно-ультраосновном комплексе с дайками "
        "карбонатитов. Запасы указаны в тоннах Nb2O5 и оксидов редких земель.",
    ),
    "w-skarn": (
        "Scheelite-bearing skarns and a quartz stockwork at the contact of a Permian granite "
        "intrusion, with molybdenite in places. Tungsten reserves are stated in tonnes of WO3.",
        "Шеелитоносные скарны и кварцевый штокверк на контакте пермской гранитной интрузии, "
        "местами с молибденитом. Запасы вольфрама указаны в тоннах WO3.",
    ),
    "be-greisen": (
        "Beryllium-bearing greisens and quartz veins with beryl and bertrandite above a "
        "leucogranite cupola. Reserves are stated in tonnes of BeO.",
        "Бериллиеносные грейзены и кварцевые жилы с бериллом и бертрандитом над куполом "
        "лейкогранитов. Запасы указаны в тоннах BeO.",
    ),
    "w-be-greisen": (
        "Beryllium and tungsten in greisens and quartz veins above a leucogranite cupola "
        "(beryl, wolframite). Reserves are stated in tonnes of BeO and WO3.",
        "Бериллий и вольфрам в грейзенах и кварцевых жилах над куполом лейкогранитов (берилл, "
        "вольфрамит). Запасы указаны в тоннах BeO и WO3.",
    ),
    "ta-nb-pegmatite": (
        "A field of rare-metal pegmatites in the Kalba granite belt: albitised dykes with "
        "tantalite-columbite and spodumene. Reserves are stated in tonnes of Ta2O5, Nb2O5 "
        "and Li2O.",
        "Поле редкометалльных пегматитов Калбинского гранитного пояса: альбитизированные дайки "
        "с танталит-колумбитом и сподуменом. Запасы указаны в тоннах Ta2O5, Nb2O5 и Li2O.",
    ),
    "li-pegmatite": (
        "Spodumene pegmatite dykes, several tens of metres thick, in Devonian schists, with "
        "tantalum and beryllium as by-products. Reserves are stated in tonnes of Li2O.",
        "Сподуменовые пегматитовые дайки мощностью в несколько десятков метров в девонских "
        "сланцах, попутно тантал и бериллий. Запасы указаны в тоннах Li2O.",
    ),
    "mo-porphyry": (
        "A molybdenum-copper porphyry stockwork in a granodiorite-porphyry stock, with "
        "tungsten in its outer zone.",
        "Молибден-медно-порфировый штокверк в штоке гранодиорит-порфиров, с вольфрамом во "
        "внешней зоне.",
    ),
    "au-quartz": (
        "Gold-quartz veins and stockworks in Palaeozoic volcanic and sedimentary rocks; free "
        "gold with some pyrite and arsenopyrite.",
        "Золото-кварцевые жилы и штокверки в палеозойских вулканогенно-осадочных породах; "
        "свободное золото с пиритом и арсенопиритом.",
    ),
    "au-sulphide": (
        "Disseminated gold-sulphide ore in carbonaceous shales along a regional shear zone; "
        "the ore is refractory, with the gold locked in arsenopyrite.",
        "Вкрапленные золото-сульфидные руды в углеродистых сланцах вдоль региональной зоны "
        "смятия; руды упорные, золото связано с арсенопиритом.",
    ),
    "au-oxide": (
        "Gold in the oxidised weathering crust over sulphide-quartz zones, near the surface: "
        "suited to open-pit mining and heap leaching.",
        "Золото в окисленной коре выветривания над сульфидно-кварцевыми зонами, у поверхности: "
        "пригодно для открытой отработки и кучного выщелачивания.",
    ),
    "vms": (
        "Copper-lead-zinc massive sulphide lenses in Devonian volcanic rocks (Rudny Altai "
        "type), with gold and silver as by-products.",
        "Медно-свинцово-цинковые колчеданно-полиметаллические залежи в девонских вулканитах "
        "(рудноалтайский тип), попутно золото и серебро.",
    ),
    "pb-zn-stratiform": (
        "Stratiform lead-zinc ore in Devonian and Carboniferous carbonate rocks, with "
        "silver; the ore bodies are flat and continuous.",
        "Стратиформные свинцово-цинковые руды в девонских и каменноугольных карбонатных "
        "толщах, с серебром; рудные тела пологие и выдержанные.",
    ),
    "cu-porphyry": (
        "Porphyry copper: disseminated and veinlet chalcopyrite ore in a diorite-porphyry "
        "stock under a leached cap and a secondary enrichment zone; molybdenum and gold as "
        "by-products.",
        "Медно-порфировое оруденение: вкрапленные и прожилковые халькопиритовые руды в штоке "
        "диоритовых порфиритов под зонами выщелачивания и вторичного обогащения; попутно "
        "молибден и золото.",
    ),
    "cu-sandstone": (
        "Cupriferous sandstones of the Zhezkazgan type: chalcocite and bornite ore in grey "
        "sandstone beds, with silver.",
        "Медистые песчаники жезказганского типа: халькозин-борнитовые руды в пластах серых "
        "песчаников, с серебром.",
    ),
    "ni-laterite": (
        "Silicate nickel-cobalt ore in the lateritic weathering crust over serpentinised "
        "ultramafic rocks of the Kempirsai massif.",
        "Силикатные никель-кобальтовые руды в латеритной коре выветривания по "
        "серпентинизированным ультраосновным породам Кемпирсайского массива.",
    ),
    "mn-fe": (
        "Sedimentary manganese and iron ore of the Atasu type: braunite and hausmannite "
        "layers interbedded with hematite ore in Devonian siliceous carbonate rocks. "
        "Reserves are stated in tonnes of ore.",
        "Осадочные марганцевые и железные руды атасуйского типа: браунит-гаусманнитовые слои, "
        "переслаивающиеся с гематитовыми рудами, в девонских кремнисто-карбонатных породах. "
        "Запасы указаны в тоннах руды.",
    ),
    "fe-skarn": (
        "Magnetite skarn ore of the Sokolov-Sarbai type under 100-200 m of Meso-Cenozoic "
        "cover. Reserves are stated in tonnes of ore.",
        "Магнетитовые скарновые руды соколовско-сарбайского типа под мезо-кайнозойским чехлом "
        "мощностью 100–200 м. Запасы указаны в тоннах руды.",
    ),
    "coal-coking": (
        "Carboniferous coking coal seams of the Karaganda basin (grades K and KZh) at "
        "mineable depth; the seams need methane drainage.",
        "Пласты коксующегося угля каменноугольного возраста Карагандинского бассейна (марки К "
        "и КЖ) на доступной для отработки глубине; требуется дегазация.",
    ),
    "coal-thermal": (
        "Thick Carboniferous bituminous coal seams under thin cover, suited to open-pit "
        "mining: high-ash thermal coal for power stations.",
        "Мощные пласты каменного угля каменноугольного возраста под маломощным покровом, "
        "пригодные для открытой отработки: высокозольный энергетический уголь для "
        "электростанций.",
    ),
    "coal-lignite": (
        "Jurassic brown coal (lignite) seams in a graben basin at shallow depth, for open-pit "
        "mining as power-station and heating fuel.",
        "Пласты бурого угля юрского возраста в грабеновой впадине на небольшой глубине; "
        "открытая отработка на энергетическое и коммунально-бытовое топливо.",
    ),
}

# The Soviet territorial geological associations that found most deposits, by region.
SURVEYS: dict[str, tuple[str, str]] = {
    "vost": ("Vostkazgeologiya", "Востказгеология"),
    "tsentr": ("Tsentrkazgeologiya", "Центрказгеология"),
    "sev": ("Sevkazgeologiya", "Севказгеология"),
    "zap": ("Zapkazgeologiya", "Запказгеология"),
    "yuzh": ("Yuzhkazgeologiya", "Южказгеология"),
}
REGION_SURVEY: dict[str, str] = {
    "east-kazakhstan": "vost",
    "abai": "vost",
    "karaganda": "tsentr",
    "ulytau": "tsentr",
    "pavlodar": "tsentr",
    "akmola": "sev",
    "kostanay": "sev",
    "aktobe": "zap",
    "jetisu": "yuzh",
    "kyzylorda": "yuzh",
    "turkistan": "yuzh",
    "jambyl": "yuzh",
}
# How a deposit was last studied: its history (English, Russian) and its reserves' source.
HISTORY: dict[str, tuple[str, str, str]] = {
    "gkz": (
        "Discovered in {found} by geologists of the {org} association. Explored by drilling "
        "and underground workings; reserves approved by the USSR State Reserves Committee "
        "(GKZ) in {last} and carried on the state balance since. Never mined.",
        "Открыто в {found} г. геологами ПГО «{org_ru}». Разведано бурением и подземными "
        "горными выработками; запасы утверждены ГКЗ СССР в {last} г. и с тех пор числятся на "
        "государственном балансе. Не отрабатывалось.",
        "State balance of mineral reserves, {year} (GKZ USSR)",
    ),
    "tkz": (
        "Discovered in {found} by geologists of the {org} association. Preliminary "
        "exploration by drilling was completed in {last}; reserves were approved by the "
        "Kazakh territorial reserves committee (TKZ) and put on the state balance.",
        "Открыто в {found} г. геологами ПГО «{org_ru}». Предварительная разведка бурением "
        "завершена в {last} г.; запасы утверждены Казахстанской территориальной комиссией по "
        "запасам (ТКЗ) и поставлены на государственный баланс.",
        "State balance of mineral reserves, {year} (TKZ)",
    ),
    "prospecting": (
        "Found in {found} during 1:50,000 geological mapping by the {org} association. "
        "Trenches and shallow drill holes in {last} outlined the mineralised zones; there "
        "has been no systematic exploration since.",
        "Выявлено в {found} г. при геологической съёмке масштаба 1:50 000 (ПГО «{org_ru}»). "
        "Канавами и неглубокими скважинами в {last} г. оконтурены рудные зоны; систематическая "
        "разведка с тех пор не проводилась.",
        "Prospecting report, {org}, {year}",
    ),
    "kazrc": (
        "Discovered in {found} by geologists of the {org} association and drilled in the "
        "Soviet era. In {last} {modern} re-assayed the historical core, drilled twin holes "
        "and reported resources under the KAZRC Code.",
        "Открыто в {found} г. геологами ПГО «{org_ru}», в советский период разбуривалось. В "
        "{last} г. {modern_ru} переопробовало исторический керн, пробурило скважины-двойники "
        "и оценило ресурсы по Кодексу KAZRC.",
        "KAZRC report, {year}",
    ),
}
# Who re-examined a deposit after independence: Kazgeology, or from 2023 the National
# Geological Service.
KAZGEOLOGY = ("Kazgeology JSC", "АО «Казгеология»")
NATIONAL_GEOLOGICAL_SERVICE = (
    "the National Geological Service JSC",
    "АО «Национальная геологическая служба»",
)
NATIONAL_GEOLOGICAL_SERVICE_FROM = 2023

# --- The event and its 50 lots ----------------------------------------------------------

EVENT_CODE = "solid-minerals-2026-12"
EVENT_NAME = {
    "en": "Solid minerals auction, December 2026",
    "ru": "Аукцион по твёрдым полезным ископаемым, декабрь 2026 года",
    "kk": "Қатты пайдалы қазбалар аукционы, 2026 жылғы желтоқсан",
    "zh_hans": "固体矿产拍卖，2026年12月",
}
EVENT_DESCRIPTION = {
    "en": "Online auction of subsoil-use rights for solid minerals: 50 lots of exploration "
    "and production licences, from rare earths and rare metals to gold, polymetals and coal. "
    "Demonstration data: the deposits and figures are illustrative.",
    "ru": "Электронный аукцион на право недропользования по твёрдым полезным ископаемым: 50 "
    "лотов на лицензии на разведку и добычу, от редкоземельных и редких металлов до золота, "
    "полиметаллов и угля. Демонстрационные данные: месторождения и цифры условные.",
    "kk": "Қатты пайдалы қазбалар бойынша жер қойнауын пайдалану құқығына электрондық "
    "аукцион: барлау және өндіру лицензияларына 50 лот. Демонстрациялық деректер: кен "
    "орындары мен сандар шартты.",
    "zh_hans": "固体矿产地下资源使用权网上拍卖：50个勘探和开采许可证拍品，涵盖稀土、稀有金属、"
    "黄金、多金属和煤炭。演示数据：矿床和数字均为示意。",
}
KZT_PER_USD = Decimal("505.00")

# Derived lot amounts. MCI: the monthly calculation index, 4,325 KZT in 2026.
MCI = Decimal("4325")
BID_STEP_SHARE = {LicenceType.EXPLORATION: Decimal("0.05"), LicenceType.PRODUCTION: Decimal("0.02")}
BID_STEP_ROUNDING = Decimal("100000")
PARTICIPATION_FEE_SHARE = Decimal("0.01")
GUARANTEE_SHARE = {
    LicenceType.EXPLORATION: Decimal("0.20"),
    LicenceType.PRODUCTION: Decimal("0.30"),
}
# A demo rule of thumb for the work programme: MCI per licensing block (exploration) or per
# km² of the mining allotment (production), each year.
EXPLORATION_SPEND_MCI_PER_BLOCK = Decimal("1500")
PRODUCTION_SPEND_MCI_PER_KM2 = Decimal("25000")

# Schedule: deadlines at 18:00 Astana time a few days ahead (a later one for the last lots),
# auctions a week after the deadline on working days, ten lots a day, half an hour apart.
DEADLINE_IN_DAYS = 3
LATE_DEADLINE_IN_DAYS = 17
LATE_DEADLINE_FROM_LOT = 41
DEADLINE_TIME = time(18, 0)
AUCTION_AFTER_DEADLINE = timedelta(days=7)
FIRST_AUCTION_TIME = time(10, 0)
LOTS_PER_DAY = 10
LOT_SPACING = timedelta(minutes=30)
LOT_DURATION = timedelta(hours=1)
HARD_END_AFTER = timedelta(minutes=30)
SOFT_CLOSE_WINDOW = timedelta(minutes=5)


class R(NamedTuple):
    """One reserve: mineral code, category, quantity, unit and grade (if any)."""

    mineral: str
    category: str
    quantity: str
    unit: str
    grade: str | None = None


class LotRow(NamedTuple):
    """One demo deposit and the lot that offers it."""

    code: str  # cadastre code
    region: str
    names: tuple[str, str, str]  # en, ru, kk
    at: tuple[str, str]  # latitude, longitude of the centre
    near: tuple[str, int, str]  # nearest town, km, direction
    geology: str
    history: tuple[str, int, int]  # kind, year discovered, year last surveyed
    estimated_on: str
    reserves: tuple[R, ...]
    licence: tuple[LicenceType, int]  # licence type, term in years
    area: tuple[str, int | None]  # km², licensing blocks
    price_m: str  # starting price (minimum signature bonus), million KZT


E6 = (LicenceType.EXPLORATION, 6)
P25 = (LicenceType.PRODUCTION, 25)
P20 = (LicenceType.PRODUCTION, 20)
P15 = (LicenceType.PRODUCTION, 15)

# fmt: off
LOTS: tuple[LotRow, ...] = (
    # Rare earths
    LotRow("KZ-ULY-0101", "ulytau", ("Kuirektykol", "Куйректыколь", "Күйректікөл"),
           ("48.36", "70.42"), ("karazhal", 49, "NW"), "ree-crust", ("kazrc", 1979, 2024),
           "2024-11-29", (R("cerium", "inferred", "432000", "t", "0.058"),
                          R("lanthanum", "inferred", "236000", "t", "0.032"),
                          R("neodymium", "inferred", "132000", "t", "0.018")),
           E6, ("273.5", 120), "850"),
    LotRow("KZ-KOS-0214", "kostanay", ("Taldysai", "Талдысай", "Талдысай"),
           ("50.62", "66.35"), ("arkalyk", 57, "NW"), "ree-crust", ("prospecting", 1984, 1990),
           "1990-06-12", (R("cerium", "C2", "61000", "t", "0.082"),
                          R("lanthanum", "C2", "29000", "t", "0.039"),
                          R("yttrium", "C2", "6400", "t", "0.0086")),
           E6, ("191.5", 88), "240"),
    LotRow("KZ-AKT-0307", "aktobe", ("Bestau", "Бестау", "Бестау"),
           ("49.62", "57.85"), ("kandyagash", 36, "NE"), "ree-phosphorite",
           ("prospecting", 1963, 1976),
           "1976-12-01", (R("cerium", "C2", "48000", "t", "0.045"),
                          R("lanthanum", "C2", "22500", "t", "0.021"),
                          R("yttrium", "C2", "9800", "t", "0.0092")),
           E6, ("155.5", 70), "130"),
    LotRow("KZ-KAR-0412", "karaganda", ("Kotyrtas", "Котыртас", "Қотыртас"),
           ("49.12", "72.18"), ("karaganda", 101, "SW"), "ree-granite", ("kazrc", 1973, 2022),
           "2022-10-14", (R("cerium", "inferred", "15400", "t", "0.088"),
                          R("neodymium", "inferred", "7900", "t", "0.045"),
                          R("yttrium", "inferred", "4200", "t", "0.024")),
           E6, ("89.8", 40), "160"),
    LotRow("KZ-JET-0105", "jetisu", ("Karatal", "Каратал", "Қаратал"),
           ("45.55", "77.72"), ("ushtobe", 39, "NW"), "ree-granite", ("prospecting", 1969, 1987),
           "1987-05-20", (R("cerium", "C2", "22000", "t", "0.061"),
                          R("yttrium", "C2", "3300", "t", "0.0092")),
           E6, ("115.3", 48), "85"),
    LotRow("KZ-EKZ-0618", "east-kazakhstan", ("Belkaragai", "Белкарагай", "Белқарағай"),
           ("48.45", "84.20"), ("kurchum", 43, "E"), "ree-granite", ("prospecting", 1980, 1991),
           "1991-09-30", (R("cerium", "C2", "13600", "t", "0.081"),
                          R("lanthanum", "C2", "7100", "t", "0.042"),
                          R("neodymium", "C2", "5200", "t", "0.031")),
           E6, ("59.1", 26), "70"),
    # Rare metals
    LotRow("KZ-EKZ-0233", "east-kazakhstan", ("Akshoky", "Акшокы", "Ақшоқы"),
           ("49.88", "84.62"), ("altai", 31, "NE"), "w-skarn", ("gkz", 1957, 1986),
           "1986-09-09", (R("tungsten", "B", "6200", "t", "0.42"),
                          R("tungsten", "C1", "18400", "t", "0.36"),
                          R("molybdenum", "C1", "2300", "t", "0.045")),
           P25, ("5.4", None), "2650"),
    LotRow("KZ-KAR-0127", "karaganda", ("Kyzyltau", "Кызылтау", "Қызылтау"),
           ("47.42", "74.35"), ("balkhash", 79, "NW"), "w-skarn", ("tkz", 1962, 1990),
           "1990-02-14", (R("tungsten", "C1", "24500", "t", "0.21"),
                          R("tungsten", "C2", "15200", "t", "0.18"),
                          R("molybdenum", "C2", "3100", "t", "0.030")),
           P25, ("9.6", None), "3400"),
    LotRow("KZ-ULY-0144", "ulytau", ("Boztal", "Бозтал", "Бозтал"),
           ("48.52", "67.42"), ("ulytau", 34, "E"), "w-skarn", ("prospecting", 1971, 1985),
           "1985-11-11", (R("tungsten", "C2", "9800", "t", "0.28"),),
           E6, ("95.4", 42), "90"),
    LotRow("KZ-EKZ-0311", "east-kazakhstan", ("Karasu", "Карасу", "Қарасу"),
           ("49.52", "82.38"), ("oskemen", 51, "SW"), "ta-nb-pegmatite", ("gkz", 1948, 1975),
           "1975-06-18", (R("tantalum", "C1", "420", "t", "0.012"),
                          R("niobium", "C1", "610", "t", "0.017"),
                          R("lithium", "C2", "18500", "t", "0.62")),
           P20, ("4.1", None), "1600"),
    LotRow("KZ-EKZ-0472", "east-kazakhstan", ("Zhylandy", "Жыланды", "Жыланды"),
           ("49.18", "82.87"), ("oskemen", 88, "S"), "li-pegmatite", ("kazrc", 1959, 2023),
           "2023-08-31", (R("lithium", "indicated", "41000", "t", "1.05"),
                          R("lithium", "inferred", "57000", "t", "0.92"),
                          R("tantalum", "inferred", "380", "t", "0.008")),
           E6, ("80.7", 36), "350"),
    LotRow("KZ-ABA-0156", "abai", ("Kumdykol", "Кумдыколь", "Құмдыкөл"),
           ("47.05", "81.98"), ("urzhar", 27, "E"), "be-greisen", ("prospecting", 1970, 1983),
           "1983-04-27", (R("beryllium", "C2", "3900", "t", "0.072"),),
           E6, ("65.4", 28), "70"),
    LotRow("KZ-KAR-0239", "karaganda", ("Sarytau", "Сарытау", "Сарытау"),
           ("48.05", "74.62"), ("balkhash", 136, "N"), "w-be-greisen", ("gkz", 1964, 1984),
           "1984-12-03", (R("beryllium", "C1", "2650", "t", "0.094"),
                          R("tungsten", "C1", "4100", "t", "0.15")),
           P20, ("3.2", None), "780"),
    LotRow("KZ-AKT-0122", "aktobe", ("Akzhar", "Акжар", "Ақжар"),
           ("48.95", "58.55"), ("emba", 33, "NE"), "nb-ree-carbonatite",
           ("prospecting", 1977, 1989),
           "1989-07-07", (R("niobium", "C2", "21000", "t", "0.21"),
                          R("cerium", "C2", "36000", "t", "0.36")),
           E6, ("126.1", 56), "110"),
    LotRow("KZ-KAR-0318", "karaganda", ("Kyzylkain", "Кызылкайын", "Қызылқайың"),
           ("48.62", "72.95"), ("aksu-ayuly", 56, "W"), "mo-porphyry", ("tkz", 1968, 1991),
           "1991-03-22", (R("molybdenum", "C1", "38000", "t", "0.058"),
                          R("copper", "C1", "96000", "t", "0.14"),
                          R("tungsten", "C2", "5600", "t", "0.021")),
           P25, ("7.8", None), "2900"),
    LotRow("KZ-JET-0219", "jetisu", ("Koksu", "Коксу", "Көксу"),
           ("44.78", "79.12"), ("tekeli", 30, "E"), "li-pegmatite", ("prospecting", 1966, 1980),
           "1980-09-16", (R("lithium", "C2", "11800", "t", "0.71"),
                          R("beryllium", "C2", "940", "t", "0.046")),
           E6, ("80.3", 33), "65"),
    # Gold
    LotRow("KZ-EKZ-0105", "east-kazakhstan", ("Altynsai", "Алтынсай", "Алтынсай"),
           ("49.62", "83.05"), ("oskemen", 48, "SE"), "au-quartz", ("gkz", 1958, 1987),
           "1987-11-24", (R("gold", "C1", "4850", "kg", "6.2"),
                          R("gold", "C2", "2100", "kg", "5.1"),
                          R("silver", "C1", "9600", "kg", "12.4")),
           P20, ("6.8", None), "1850"),
    LotRow("KZ-EKZ-0529", "east-kazakhstan", ("Kokzhal", "Кокжал", "Көкжал"),
           ("48.93", "83.42"), ("kurchum", 43, "N"), "au-sulphide", ("prospecting", 1969, 1984),
           "1984-06-30", (R("gold", "C2", "7300", "kg", "3.4"),),
           E6, ("85.6", 38), "120"),
    LotRow("KZ-EKZ-0387", "east-kazakhstan", ("Sarybel", "Сарыбель", "Сарыбел"),
           ("50.12", "84.02"), ("ridder", 43, "SE"), "au-oxide", ("kazrc", 1976, 2019),
           "2019-09-30", (R("gold", "indicated", "146000", "oz", "1.35"),
                          R("gold", "inferred", "88000", "oz", "1.10")),
           E6, ("52.8", 24), "95"),
    LotRow("KZ-ABA-0118", "abai", ("Karashoky", "Карашокы", "Қарашоқы"),
           ("49.25", "79.64"), ("karaul", 44, "NE"), "au-quartz", ("gkz", 1953, 1989),
           "1989-12-12", (R("gold", "B", "1240", "kg", "8.9"),
                          R("gold", "C1", "3960", "kg", "7.4")),
           P25, ("4.6", None), "2400"),
    LotRow("KZ-ABA-0241", "abai", ("Zhartas", "Жартас", "Жартас"),
           ("47.62", "80.96"), ("ayagoz", 54, "SE"), "au-sulphide", ("tkz", 1965, 1990),
           "1990-10-05", (R("gold", "C1", "6800", "kg", "2.9"),
                          R("gold", "C2", "3150", "kg", "2.6")),
           P25, ("11.5", None), "3100"),
    LotRow("KZ-ABA-0327", "abai", ("Tastobe", "Тастобе", "Тастөбе"),
           ("50.05", "78.92"), ("kurchatov", 82, "S"), "au-oxide", ("prospecting", 1972, 1986),
           "1986-08-15", (R("gold", "C2", "2400", "kg", "1.8"),),
           E6, ("101.3", 46), "60"),
    LotRow("KZ-KAR-0166", "karaganda", ("Beltau", "Белтау", "Белтау"),
           ("49.28", "75.12"), ("karkaraly", 29, "SW"), "au-quartz", ("gkz", 1949, 1982),
           "1982-03-29", (R("gold", "C1", "2750", "kg", "5.6"),
                          R("silver", "C1", "11200", "kg", "22.8")),
           P20, ("3.9", None), "1150"),
    LotRow("KZ-AKM-0137", "akmola", ("Akbulak", "Акбулак", "Ақбұлақ"),
           ("51.92", "71.40"), ("zholymbet", 28, "NW"), "au-quartz", ("gkz", 1936, 1979),
           "1979-07-20", (R("gold", "B", "980", "kg", "10.7"),
                          R("gold", "C1", "2310", "kg", "8.2")),
           P15, ("2.7", None), "980"),
    LotRow("KZ-AKM-0264", "akmola", ("Koktal", "Коктал", "Көктал"),
           ("52.83", "70.05"), ("makinsk", 33, "NW"), "au-sulphide", ("kazrc", 1967, 2021),
           "2021-04-30", (R("gold", "indicated", "312000", "oz", "1.9"),
                          R("gold", "inferred", "205000", "oz", "1.6")),
           E6, ("107.8", 52), "210"),
    LotRow("KZ-KOS-0131", "kostanay", ("Karatobe", "Каратобе", "Қаратөбе"),
           ("52.22", "61.52"), ("zhitikara", 22, "E"), "au-oxide", ("tkz", 1981, 1991),
           "1991-05-17", (R("gold", "C1", "3400", "kg", "1.6"),
                          R("gold", "C2", "1150", "kg", "1.3")),
           P20, ("8.2", None), "1420"),
    LotRow("KZ-JET-0308", "jetisu", ("Tentek", "Тентек", "Тентек"),
           ("45.72", "80.30"), ("sarkand", 45, "NE"), "au-quartz", ("prospecting", 1961, 1978),
           "1978-10-02", (R("gold", "C2", "1850", "kg", "4.3"),),
           E6, ("71.8", 30), "45"),
    LotRow("KZ-KYZ-0112", "kyzylorda", ("Taskuduk", "Таскудук", "Тасқұдық"),
           ("44.62", "67.35"), ("shieli", 69, "NE"), "au-sulphide", ("prospecting", 1974, 1988),
           "1988-12-20", (R("gold", "C2", "3700", "kg", "2.2"),),
           E6, ("156.2", 64), "75"),
    # Polymetals (copper-lead-zinc)
    LotRow("KZ-EKZ-0144", "east-kazakhstan",
           ("Bystrushinskoye", "Быструшинское", "Быструшинское"),
           ("50.18", "83.21"), ("ridder", 28, "SW"), "vms", ("gkz", 1956, 1986),
           "1986-11-28", (R("zinc", "C1", "186000", "t", "4.8"),
                          R("lead", "C1", "62000", "t", "1.6"),
                          R("copper", "C1", "38000", "t", "0.98")),
           P25, ("5.7", None), "3900"),
    LotRow("KZ-EKZ-0266", "east-kazakhstan", ("Kedrovskoye", "Кедровское", "Кедровское"),
           ("49.85", "84.05"), ("altai", 21, "NW"), "vms", ("tkz", 1961, 1990),
           "1990-12-18", (R("zinc", "C1", "112000", "t", "3.9"),
                          R("lead", "C1", "41000", "t", "1.4"),
                          R("copper", "C2", "19500", "t", "0.70")),
           P25, ("4.3", None), "2750"),
    LotRow("KZ-EKZ-0491", "east-kazakhstan", ("Solnechnoye", "Солнечное", "Солнечное"),
           ("50.02", "82.95"), ("oskemen", 25, "E"), "vms", ("prospecting", 1975, 1989),
           "1989-10-10", (R("zinc", "C2", "64000", "t", "3.1"),
                          R("lead", "C2", "23000", "t", "1.1"),
                          R("copper", "C2", "15000", "t", "0.75")),
           E6, ("48.5", 22), "140"),
    LotRow("KZ-ABA-0275", "abai", ("Shubartau", "Шубартау", "Шұбартау"),
           ("48.45", "79.35"), ("karaul", 56, "S"), "vms", ("tkz", 1967, 1988),
           "1988-07-14", (R("copper", "C1", "54000", "t", "1.35"),
                          R("zinc", "C1", "88000", "t", "2.2"),
                          R("gold", "C1", "6100", "kg", "1.5")),
           P20, ("6.4", None), "2250"),
    LotRow("KZ-KAR-0281", "karaganda", ("Kosshoky", "Косшокы", "Қосшоқы"),
           ("48.35", "74.85"), ("aksu-ayuly", 99, "SE"), "pb-zn-stratiform", ("gkz", 1959, 1984),
           "1984-05-22", (R("zinc", "B", "74000", "t", "5.6"),
                          R("zinc", "C1", "128000", "t", "4.9"),
                          R("lead", "C1", "57000", "t", "2.1")),
           P25, ("7.1", None), "3350"),
    LotRow("KZ-ULY-0233", "ulytau", ("Uzynzhal", "Узынжал", "Ұзынжал"),
           ("48.55", "71.05"), ("atasu", 46, "W"), "pb-zn-stratiform",
           ("prospecting", 1972, 1987),
           "1987-09-01", (R("zinc", "C2", "96000", "t", "3.4"),
                          R("lead", "C2", "38000", "t", "1.35"),
                          R("silver", "C2", "140000", "kg", "48")),
           E6, ("99.9", 44), "105"),
    LotRow("KZ-TUR-0119", "turkistan", ("Karasai", "Карасай", "Қарасай"),
           ("43.72", "68.78"), ("kentau", 31, "NE"), "pb-zn-stratiform", ("gkz", 1940, 1982),
           "1982-06-30", (R("lead", "C1", "48000", "t", "2.6"),
                          R("zinc", "C1", "71000", "t", "3.8")),
           P20, ("5.2", None), "1950"),
    LotRow("KZ-JET-0341", "jetisu", ("Kora", "Кора", "Қора"),
           ("44.95", "78.95"), ("tekeli", 18, "NE"), "pb-zn-stratiform",
           ("prospecting", 1953, 1979),
           "1979-08-24", (R("lead", "C2", "21000", "t", "2.2"),
                          R("zinc", "C2", "34000", "t", "3.0")),
           E6, ("48.5", 20), "55"),
    LotRow("KZ-KYZ-0207", "kyzylorda", ("Sholak", "Шолак", "Шолақ"),
           ("43.98", "67.62"), ("zhanakorgan", 31, "E"), "pb-zn-stratiform", ("tkz", 1964, 1988),
           "1988-02-19", (R("zinc", "C1", "152000", "t", "3.6"),
                          R("lead", "C1", "44000", "t", "1.05")),
           P25, ("8.9", None), "2600"),
    LotRow("KZ-JAM-0163", "jambyl", ("Ortatobe", "Ортатобе", "Ортатөбе"),
           ("43.85", "70.02"), ("zhanatas", 38, "NE"), "pb-zn-stratiform",
           ("prospecting", 1970, 1986),
           "1986-03-12", (R("zinc", "C2", "41000", "t", "2.7"),
                          R("lead", "C2", "17500", "t", "1.15")),
           E6, ("86.6", 35), "60"),
    # Copper, nickel, manganese, iron ore
    LotRow("KZ-KAR-0354", "karaganda", ("Aktasty", "Актасты", "Ақтасты"),
           ("47.25", "75.85"), ("balkhash", 80, "NE"), "cu-porphyry", ("gkz", 1963, 1981),
           "1981-12-08", (R("copper", "B", "210000", "t", "0.42"),
                          R("copper", "C1", "560000", "t", "0.38"),
                          R("molybdenum", "C1", "9800", "t", "0.007")),
           P25, ("12.4", None), "4500"),
    LotRow("KZ-PAV-0148", "pavlodar", ("Shiderty", "Шидерты", "Шідерті"),
           ("51.95", "74.55"), ("ekibastuz", 58, "NW"), "cu-porphyry", ("kazrc", 1971, 2018),
           "2018-12-14", (R("copper", "indicated", "280000", "t", "0.31"),
                          R("copper", "inferred", "410000", "t", "0.27"),
                          R("gold", "inferred", "420000", "oz", "0.09")),
           E6, ("126.8", 60), "380"),
    LotRow("KZ-ULY-0052", "ulytau", ("Karashoshak", "Карашошак", "Қарашошақ"),
           ("47.95", "67.05"), ("satpayev", 36, "W"), "cu-sandstone", ("gkz", 1947, 1980),
           "1980-10-17", (R("copper", "B", "96000", "t", "1.12"),
                          R("copper", "C1", "238000", "t", "0.94"),
                          R("silver", "C1", "410000", "kg", "12.0")),
           P25, ("15.6", None), "3700"),
    LotRow("KZ-AKT-0215", "aktobe", ("Kokkol", "Кокколь", "Көккөл"),
           ("50.05", "58.25"), ("khromtau", 26, "SW"), "ni-laterite", ("tkz", 1955, 1983),
           "1983-06-09", (R("nickel", "C1", "186000", "t", "0.92"),
                          R("nickel", "C2", "94000", "t", "0.81")),
           P25, ("21.0", None), "2800"),
    LotRow("KZ-ULY-0178", "ulytau", ("Kamys", "Камыс", "Қамыс"),
           ("48.52", "71.85"), ("atasu", 24, "SE"), "mn-fe", ("tkz", 1960, 1989),
           "1989-08-30", (R("manganese", "C1", "4600000", "t", "21.5"),
                          R("manganese", "C2", "2900000", "t", "19.8"),
                          R("iron-ore", "C1", "12400000", "t", "46.0")),
           P20, ("6.9", None), "1350"),
    LotRow("KZ-KOS-0093", "kostanay", ("Shokai", "Шокай", "Шоқай"),
           ("52.68", "62.95"), ("rudny", 34, "SW"), "fe-skarn", ("gkz", 1950, 1978),
           "1978-04-04", (R("iron-ore", "B", "118000000", "t", "43.8"),
                          R("iron-ore", "C1", "276000000", "t", "41.2")),
           P25, ("16.3", None), "3050"),
    # Coal
    LotRow("KZ-KAR-0071", "karaganda", ("Karazhar", "Каражар", "Қаражар"),
           ("49.60", "72.62"), ("shakhtinsk", 12, "S"), "coal-coking", ("gkz", 1951, 1985),
           "1985-10-30", (R("coal", "B", "38500000", "t"), R("coal", "C1", "64200000", "t")),
           P25, ("18.6", None), "4800"),
    LotRow("KZ-PAV-0066", "pavlodar", ("Akkuduk", "Аккудук", "Аққұдық"),
           ("51.58", "75.62"), ("ekibastuz", 27, "SE"), "coal-thermal", ("gkz", 1954, 1988),
           "1988-04-12", (R("coal", "A", "112000000", "t"), R("coal", "B", "186000000", "t")),
           P25, ("32.5", None), "5200"),
    LotRow("KZ-PAV-0213", "pavlodar", ("Zhyngyldy", "Жынгылды", "Жыңғылды"),
           ("50.98", "76.08"), ("bayanaul", 34, "NE"), "coal-lignite", ("tkz", 1960, 1983),
           "1983-08-08", (R("coal", "C1", "145000000", "t"), R("coal", "C2", "78000000", "t")),
           P25, ("24.0", None), "2100"),
    LotRow("KZ-KOS-0305", "kostanay", ("Kopkol", "Копколь", "Көпкөл"),
           ("52.15", "63.95"), ("auliekol", 27, "SW"), "coal-lignite",
           ("prospecting", 1958, 1978),
           "1978-11-20", (R("coal", "C2", "420000000", "t"),),
           E6, ("197.8", 94), "150"),
    LotRow("KZ-ABA-0188", "abai", ("Akzhailau", "Акжайлау", "Ақжайлау"),
           ("49.52", "79.85"), ("karaul", 77, "NE"), "coal-thermal", ("tkz", 1963, 1989),
           "1989-03-15", (R("coal", "B", "22000000", "t"), R("coal", "C1", "57000000", "t")),
           P20, ("14.2", None), "1650"),
    LotRow("KZ-ULY-0161", "ulytau", ("Saryadyr", "Сарыадыр", "Сарыадыр"),
           ("47.55", "68.35"), ("zhezkazgan", 55, "SE"), "coal-lignite", ("tkz", 1966, 1987),
           "1987-02-26", (R("coal", "C1", "63500000", "t"), R("coal", "C2", "31000000", "t")),
           P20, ("12.7", None), "1280"),
)
# fmt: on

# --- A lot that is live now, so the auction room can be tried at once ---------------------

LIVE_EVENT_CODE = "live-demonstration"
LIVE_EVENT_NAME = {
    "en": "Live demonstration auction",
    "ru": "Демонстрационный аукцион в реальном времени",
    "kk": "Нақты уақыттағы демонстрациялық аукцион",
    "zh_hans": "实时演示拍卖",
}
LIVE_EVENT_DESCRIPTION = {
    "en": "A lot that is live whenever the demo is loaded: log in as one of the first three "
    "demo bidders and bid against the others in the auction room. Illustrative data.",
    "ru": "Лот, торги по которому идут при каждой загрузке демо-данных: войдите как один из "
    "первых трёх демо-участников и торгуйтесь с остальными. Условные данные.",
    "kk": "Демо деректер жүктелген сайын сауда жүретін лот: алғашқы үш демо-қатысушының "
    "бірі ретінде кіріп, басқаларымен сауда жасаңыз. Шартты деректер.",
    "zh_hans": "每次加载演示数据时都在进行拍卖的拍品：以前三个演示竞买人之一的身份登录，"
    "在拍卖室中与其他人竞价。示意数据。",
}
# fmt: off
LIVE_LOT = LotRow(
    "KZ-JAM-0990", "jambyl", ("Kyzylkain", "Кызылкаин", "Қызылқайың"),
    ("43.98", "70.95"), ("zhanatas", 64, "NE"), "au-quartz", ("prospecting", 1968, 1989),
    "1989-09-01", (R("gold", "C2", "6.8", "t", "4.1"),),
    E6, ("84.0", 36), "320",
)
# fmt: on
LIVE_LOT_NUMBER = 1
LIVE_FOR = timedelta(hours=2)
LIVE_PARTICIPANTS = 3  # the first three demo companies; the fourth shows a refusal


class Schedule(NamedTuple):
    application_deadline: datetime
    starts_at: datetime
    ends_at: datetime
    hard_end: datetime


class LotTerms(NamedTuple):
    starting_price: Decimal
    bid_step: Decimal
    participation_fee: Decimal
    guarantee_deposit: Decimal
    min_annual_work_expenditure: Decimal


def _round_to(amount: Decimal, step: Decimal) -> Decimal:
    """Round an amount down to a multiple of step, but never below one step."""
    rounded = (amount / step).quantize(Decimal(1), rounding=ROUND_DOWN) * step
    return max(rounded, step).quantize(CENT)


def lot_terms(row: LotRow) -> LotTerms:
    """Derive a lot's amounts (KZT) from its starting price, licence type and area."""
    licence_type = row.licence[0]
    area, blocks = row.area
    price = Decimal(row.price_m) * 1_000_000
    if licence_type == LicenceType.EXPLORATION:
        spend = (blocks or 0) * EXPLORATION_SPEND_MCI_PER_BLOCK * MCI
    else:
        spend = Decimal(area) * PRODUCTION_SPEND_MCI_PER_KM2 * MCI
    return LotTerms(
        starting_price=price.quantize(CENT),
        bid_step=_round_to(price * BID_STEP_SHARE[licence_type], BID_STEP_ROUNDING),
        participation_fee=(price * PARTICIPATION_FEE_SHARE).quantize(CENT),
        guarantee_deposit=(price * GUARANTEE_SHARE[licence_type]).quantize(CENT),
        min_annual_work_expenditure=_round_to(spend, BID_STEP_ROUNDING),
    )


def _working_day_from(day: date) -> date:
    """Return day itself, or the next working day when it is a weekend or a public holiday."""
    return day if is_working_day(day) else add_working_days(day, 1)


def _working_days_after(day: date, count: int) -> date:
    """Return the date `count` working days after day (day itself, off a day off, for 0)."""
    return add_working_days(_working_day_from(day), count)


def lot_schedule(number: int, now: datetime) -> Schedule:
    """Schedule lot `number` relative to now, in Astana time, staggered by lot."""
    astana = timezone.get_default_timezone()
    today = timezone.localdate(now, astana)
    late = number >= LATE_DEADLINE_FROM_LOT
    deadline_day = _working_day_from(
        today + timedelta(days=LATE_DEADLINE_IN_DAYS if late else DEADLINE_IN_DAYS)
    )
    day_index, slot = divmod(number - (LATE_DEADLINE_FROM_LOT if late else 1), LOTS_PER_DAY)
    auction_day = _working_days_after(deadline_day + AUCTION_AFTER_DEADLINE, day_index)
    starts_at = (
        datetime.combine(auction_day, FIRST_AUCTION_TIME, tzinfo=astana) + slot * LOT_SPACING
    )
    ends_at = starts_at + LOT_DURATION
    return Schedule(
        application_deadline=datetime.combine(deadline_day, DEADLINE_TIME, tzinfo=astana),
        starts_at=starts_at,
        ends_at=ends_at,
        hard_end=ends_at + HARD_END_AFTER,
    )
