from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A district (区) and its housing bureau: the unit every official is scoped to."""

    name = models.CharField(_("name"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    # GB/T 2260 administrative division code, e.g. 110115 for 大兴区.
    code = models.CharField(_("division code"), max_length=12, unique=True)
    bureau_name = models.CharField(_("housing bureau"), max_length=100)
    bureau_phone = models.CharField(_("bureau phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self):
        return f"{self.city}{self.name}"


class StreetOffice(models.Model):
    """A street office (街道办事处) or town (镇) inside a district."""

    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="street_offices",
        verbose_name=_("district"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("street office")
        verbose_name_plural = _("street offices")
        ordering = ["district", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="street_office_unique_name"),
        ]

    def __str__(self):
        return self.name
