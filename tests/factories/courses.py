"""factory_boy factories for ``courses``."""

import factory

from courses.models import Activity, Course, Module, Participant


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"CRS-{n:04d}")
    title = factory.Sequence(lambda n: f"Cours n°{n}")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Module {n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    module = factory.SubFactory(ModuleFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Activité {n}")
    kind = Activity.Kind.PAGE
    completion_rule = Activity.CompletionRule.VIEWED


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory("tests.factories.UserFactory")
    role = Participant.Role.LEARNER
