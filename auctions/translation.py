from modeltranslation.translator import TranslationOptions, register

from auctions.models import AuctionEvent


@register(AuctionEvent)
class AuctionEventTranslation(TranslationOptions):
    fields = ("name", "description")
