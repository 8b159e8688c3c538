"""factory_boy factories for the core models."""

import factory
from django.conf import settings

from lms.models import Establishment, User
from lms.services import grant_role


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment
        django_get_or_create = ("fase_number",)

    fase_number = factory.Sequence(lambda n: 10_000 + n)
    name = factory.Sequence(lambda n: f"École fondamentale n°{n}")
    network = Establishment.Network.WBE
    level = Establishment.Level.FONDAMENTAL
    postal_code = "5000"
    city = "Namur"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    preferred_language = settings.LANGUAGE_CODE
    password = factory.django.Password("un-mot-de-passe-solide")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """``UserFactory(roles=[Role.TUTOR])`` grants roles through the service."""
        for role in extracted or []:
            grant_role(self, role)
