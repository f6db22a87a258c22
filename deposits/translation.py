from modeltranslation.translator import TranslationOptions, register

from deposits.models import Deposit, Mineral, Region


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)


@register(Mineral)
class MineralTranslation(TranslationOptions):
    fields = ("name",)


@register(Deposit)
class DepositTranslation(TranslationOptions):
    fields = ("name", "description", "exploration_history")
