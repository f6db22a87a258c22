from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Kazakhstan's bounding box: a deposit centre outside it is a data-entry mistake.
LATITUDE_RANGE = (Decimal("40.5"), Decimal("55.5"))
LONGITUDE_RANGE = (Decimal("46.4"), Decimal("87.4"))


class Region(models.Model):
    class Kind(models.TextChoices):
        OBLAST = "oblast", _("Region (oblast)")
        CITY = "city", _("City of republican significance")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OBLAST)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Mineral(models.Model):
    class Group(models.TextChoices):
        RARE_EARTH = "rare_earth", _("Rare earth")
        RARE_METAL = "rare_metal", _("Rare metal")
        PRECIOUS = "precious", _("Precious metal")
        BASE_METAL = "base_metal", _("Base metal")
        ENERGY = "energy", _("Energy")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    symbol = models.CharField(_("symbol"), max_length=12, blank=True)
    name = models.CharField(_("name"), max_length=120)
    group = models.CharField(_("group"), max_length=12, choices=Group.choices)
    is_critical = models.BooleanField(_("critical raw material"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mineral")
        verbose_name_plural = _("minerals")

    def __str__(self) -> str:
        return self.name


class Deposit(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        OFFERED = "offered", _("Offered at auction")
        LICENSED = "licensed", _("Licensed")

    code = models.SlugField(
        _("cadastre code"), max_length=40, unique=True, help_text=_("Stable identifier.")
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("region")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)
    area_km2 = models.DecimalField(
        _("area, km²"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    licensing_blocks = models.PositiveIntegerField(_("licensing blocks"), null=True, blank=True)
    outline = models.JSONField(
        _("outline"),
        null=True,
        blank=True,
        help_text=_(
            "A GeoJSON Polygon or MultiPolygon, positions as [longitude, latitude]; its area "
            "must be close to the declared area."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    exploration_history = models.TextField(_("exploration history"), blank=True)
    last_surveyed_year = models.PositiveSmallIntegerField(
        _("last surveyed (year)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AVAILABLE
    )
    minerals = models.ManyToManyField(
        Mineral, through="Reserve", related_name="deposits", verbose_name=_("minerals")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        indexes = [models.Index(fields=["status", "region"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=LATITUDE_RANGE[0], latitude__lte=LATITUDE_RANGE[1])
                & Q(longitude__gte=LONGITUDE_RANGE[0], longitude__lte=LONGITUDE_RANGE[1]),
                name="deposit_centre_in_kazakhstan",
                violation_error_message=_("The deposit centre must lie within Kazakhstan."),
            ),
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gt=0),
                name="deposit_area_positive",
                violation_error_message=_("The area must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(licensing_blocks__isnull=True) | Q(licensing_blocks__gt=0),
                name="deposit_blocks_positive",
                violation_error_message=_("The number of licensing blocks must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"

    def clean(self) -> None:
        # Imported here, not above: deposits.areas reads this module's bounding box.
        from deposits.areas import check_shape

        if self.outline is not None:
            try:
                check_shape(self.outline, declared_km2=self.area_km2)
            except ValidationError as error:
                raise ValidationError({"outline": error.messages}) from None


class Reserve(models.Model):
    class Category(models.TextChoices):
        # The state balance (GKZ) categories.
        A = "A", "A"
        B = "B", "B"
        C1 = "C1", "C1"
        C2 = "C2", "C2"
        # KAZRC / CRIRSCO classes.
        PROVEN = "proven", _("Proven")
        PROBABLE = "probable", _("Probable")
        MEASURED = "measured", _("Measured")
        INDICATED = "indicated", _("Indicated")
        INFERRED = "inferred", _("Inferred")

    BALANCE_CATEGORIES = frozenset({Category.A, Category.B, Category.C1, Category.C2})

    class Unit(models.TextChoices):
        TONNE = "t", _("t")
        KILOGRAM = "kg", _("kg")
        OUNCE = "oz", _("oz")
        CUBIC_METRE = "m3", _("m³")

    class GradeUnit(models.TextChoices):
        PERCENT = "%", "%"
        GRAMS_PER_TONNE = "g/t", _("g/t")

    deposit = models.ForeignKey(
        Deposit, on_delete=models.CASCADE, related_name="reserves", verbose_name=_("deposit")
    )
    mineral = models.ForeignKey(
        Mineral, on_delete=models.PROTECT, related_name="reserves", verbose_name=_("mineral")
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices)
    grade = models.DecimalField(_("grade"), max_digits=10, decimal_places=4, null=True, blank=True)
    grade_unit = models.CharField(
        _("grade unit"), max_length=3, choices=GradeUnit.choices, blank=True
    )
    estimated_on = models.DateField(_("estimated on"))
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        ordering = ["deposit", "mineral", "category"]
        verbose_name = _("reserve")
        verbose_name_plural = _("reserves")
        constraints = [
            models.UniqueConstraint(
                fields=["deposit", "mineral", "category"],
                name="reserve_unique_category_per_mineral",
                violation_error_message=_(
                    "This deposit already has a reserve of this mineral in this category."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="reserve_quantity_positive",
                violation_error_message=_("The quantity must be positive."),
            ),
            models.CheckConstraint(
                condition=(Q(grade__isnull=True) & Q(grade_unit=""))
                | (Q(grade__isnull=False) & Q(grade__gt=0) & ~Q(grade_unit="")),
                name="reserve_grade_with_unit",
                violation_error_message=_("A grade needs a unit, and must be positive."),
            ),
            models.CheckConstraint(
                condition=~Q(grade_unit="%") | Q(grade__lte=100),
                name="reserve_percent_grade_at_most_100",
                violation_error_message=_("A grade in percent cannot exceed 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mineral} {self.category}: {self.quantity} {self.unit} ({self.deposit.name})"

    @property
    def is_balance_reserve(self) -> bool:
        return self.category in self.BALANCE_CATEGORIES
