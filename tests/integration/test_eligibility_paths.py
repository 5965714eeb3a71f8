"""31-р 2.1 gives the same verdict on every path (issue #13): the extract, the card that
shows what the extract stored, and a walk-in's card typed with the same facts."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.domain.enums import DisabilityGroup, Source
from app.services import citizens
from app.services.extract_import import import_extract
from db import models
from db.session import Database, open_database

TODAY = date(2026, 11, 23)
HEADINGS = (
    "Фамилия;Имя;Отчество;Дата рождения;Группа инвалидности;Впервые;Самообслуживание;"
    "Передвижение;Контроль за поведением;Психическое расстройство;Стационарное учреждение;"
    "Дата поступления сведений"
)
GROUP_CELLS = {
    DisabilityGroup.GROUP_I: "I",
    DisabilityGroup.GROUP_II: "2",
    DisabilityGroup.GROUP_III: "третья",
    DisabilityGroup.CHILD: "ребенок-инвалид",
}


@dataclass(frozen=True)
class Facts:
    group: DisabilityGroup
    first_time: bool | None
    selfcare: int | None
    movement: int | None
    behaviour: int | None
    mental_disorder: bool
    stationary: bool

    @property
    def birth(self) -> str:
        return "14.03.2015" if self.group is DisabilityGroup.CHILD else "14.03.1980"

    def csv_line(self) -> str:
        def cell(value: int | bool | None) -> str:
            if value is None:
                return ""  # the extract did not say
            if isinstance(value, bool):
                return "да" if value else "нет"
            return str(value)

        cells = (
            "Тестова", "Анна", "Ивановна", self.birth, GROUP_CELLS[self.group],
            cell(self.first_time), cell(self.selfcare), cell(self.movement),
            cell(self.behaviour), cell(self.mental_disorder), cell(self.stationary), "12.11.2026",
        )  # fmt: skip
        return ";".join(cells)

    def card(self) -> citizens.CitizenForm:
        return citizens.CitizenForm(
            last_name="Тестова",
            first_name="Анна",
            middle_name="Ивановна",
            birth_date=self.birth,
            group=self.group,
            first_time=self.first_time,
            selfcare_degree=self.selfcare,
            movement_degree=self.movement,
            behaviour_degree=self.behaviour,
            mental_disorder=self.mental_disorder,
            stationary=self.stationary,
        )


FACTS = st.builds(
    Facts,
    group=st.sampled_from(list(DisabilityGroup)),
    first_time=st.sampled_from([None, True, False]),
    selfcare=st.sampled_from([None, 0, 1, 2, 3]),
    movement=st.sampled_from([None, 0, 1, 2, 3]),
    behaviour=st.sampled_from([None, 0, 1, 2, 3]),
    mental_disorder=st.booleans(),
    stationary=st.booleans(),
)


@contextmanager
def _fresh(template: Path) -> Iterator[tuple[Database, Path]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ic.sqlite"
        shutil.copyfile(template, path)
        db = open_database(path)
        try:
            yield db, Path(folder)
        finally:
            db.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(facts=FACTS)
def test_2_1_the_extract_the_stored_card_and_a_typed_card_give_one_verdict(
    _migrated_template: Path, facts: Facts
) -> None:
    with _fresh(_migrated_template) as (db, folder):
        extract = folder / "выписка.csv"
        extract.write_text(f"{HEADINGS}\n{facts.csv_line()}\n", encoding="utf-8")
        result = import_extract(db, extract, today=TODAY)
        assert result.rejected_rows == 0, result.rejected
        entered = result.added == 1
        assert entered != bool(result.not_eligible)
        with db.session_factory() as session:
            citizen_id = session.scalars(select(models.Citizen.id)).one()
        # The card shows what the extract stored; its verdict is the import's, word for word.
        stored = citizens.verdict(citizens.load_card(db, citizen_id).form)
        assert stored.eligible is entered
        if not entered:
            assert stored.explanation == result.not_eligible[0].reasons
        # DESIGN §2: a fact that is unknown is never read as 0 or "no".
        if facts.mental_disorder and facts.behaviour is None and not facts.stationary:
            assert not entered
            assert "контролю за своим поведением" in result.not_eligible[0].reasons

    with _fresh(_migrated_template) as (db, _folder):
        typed = facts.card()
        refused = citizens.validate(typed, TODAY)
        if refused:  # the card asks for the missing fact; the extract keeps the person out
            assert not entered
            assert citizens.verdict(typed).missing or not citizens.verdict(typed).eligible
            return
        saved = citizens.save_citizen(
            db, typed, source=Source.WALK_IN, identified_on=date(2026, 11, 12), today=TODAY
        )
        assert saved.verdict.eligible is entered
        assert (saved.entry_id is not None) is entered
