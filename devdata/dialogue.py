"""The demo's citizen dialogue: a finished 2018 dialogue with its answers (and so its representation) and the 2019
citizen promise that came of it. Everything here is INVENTED for the demo and says so: the dialogue's name and
introduction, the promise's text, and the population it is set beside (webapp/data/population-1282-demo.json)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from webapp.campaigns import dialogue
from webapp.campaigns import services as campaigns
from webapp.extensions import db
from webapp.geo.models import District

SLUG = "medborgardialog-2018"
START, END = date(2018, 3, 1), date(2018, 4, 30)
QUESTIONS = [
    ("text", {"sv": "Vad får dig att känna dig otrygg i Landskrona?", "en": "What makes you feel unsafe in Landskrona?",
              "ar": "ما الذي يجعلك تشعر بعدم الأمان في لاندسكرونا؟"}, {}),
    ("one", {"sv": "Undviker du någon plats på kvällen?", "en": "Do you avoid any place in the evening?",
             "ar": "هل تتجنب أي مكان في المساء؟"},
     {"sv": ["Ja", "Nej", "Vet inte"], "en": ["Yes", "No", "Don't know"], "ar": ["نعم", "لا", "لا أعرف"]}),
    ("several", {"sv": "Vad skulle göra mest skillnad?", "en": "What would make the most difference?",
                 "ar": "ما الذي سيُحدث أكبر فرق؟"},
     {"sv": ["Bättre belysning", "Fler vuxna ute", "Mindre nedskräpning", "Polis som syns"],
      "en": ["Better lighting", "More adults out", "Less litter", "Visible police"],
      "ar": ["إنارة أفضل", "بالغون أكثر في الخارج", "نفايات أقل", "شرطة ظاهرة"]}),
    ("scale", {"sv": "Hur trygg känner du dig ute på kvällen?", "en": "How safe do you feel outdoors in the evening?",
               "ar": "ما مدى شعورك بالأمان في الخارج مساءً؟"}, {}),
    ("place", {"sv": "Var känner du dig mest otrygg?", "en": "Where do you feel least safe?",
               "ar": "أين تشعر بأقل قدر من الأمان؟"}, {}),
]
TEXTS = ["Mörkt på gångvägen vid stationen", "Ungdomar som samlas vid Karlslunds centrum på kvällen",
         "Skräp och krossat glas i parken", "Buskarna är för höga, man ser inget", "Bilar som kör för fort",
         "Trappan vid Slottsgatan är mörk", "Ingen vuxen ute efter klockan åtta", "Klotter på skolan"]
THEMES = {"Mörkt": "belysning", "mörk": "belysning", "Ungdomar": "unga och vuxna ute", "vuxen": "unga och vuxna ute",
          "Skräp": "nedskräpning", "Klotter": "nedskräpning"}
# Who answered: skewed on purpose (older women in their own houses answered most; young people and renters
# least), so that the representation names the missing voices. (gender, age group, housing form, weight)
PEOPLE = [("woman", "65+", "owned", 14), ("woman", "45-64", "owned", 12), ("man", "65+", "owned", 8),
          ("woman", "25-44", "tenant_owned", 8), ("man", "45-64", "rental", 6), ("woman", "25-44", "rental", 6),
          ("man", "25-44", "owned", 5), ("man", "16-24", "rental", 2), ("woman", "16-24", "rental", 2),
          (None, None, None, 4)]
PROMISE = ("Kommunen och polisen lovar 2019 att göra Karlslund och Centrum/Öster tryggare på kvällen: bättre "
           "belysning längs gångvägarna, fler vuxna ute och polis som syns där invånarna sagt att de känner sig otrygga. "
           "(Påhittat för demon.)")
ACTIONS = [("Ny belysning längs gångvägen vid stationen", "TS", "done"),
           ("Fotpatrullering fredag och lördag kväll i Karlslund", None, "in_progress"),
           ("Nattvandring med föreningar och fältassistenter", "STA", "planned")]


def load(rng: random.Random, lon_lat: tuple[float, float]) -> None:
    """Create the 2018 dialogue, its answers and the 2019 promise, once (nothing when the dialogue exists)."""
    if campaigns.by_slug(SLUG) is not None:
        return
    districts = list(db.session.execute(select(District.id).order_by(District.id)).scalars())
    made = campaigns.save_campaign(campaigns.CampaignInput(
        name="Medborgardialog 2018 (påhittad demo)", slug=SLUG, kind=dialogue.KIND, starts_on=START, ends_on=END,
        district_ids=districts,
        intro_sv="Påhittad demo: kommunen och polisen frågar vad som gör dig otrygg, inför medborgarlöftet 2019.",
        intro_en="Invented demo: the kommun and the police ask what makes you feel unsafe, ahead of the 2019 promise."),
        actor="demo")
    for kind, text, options in QUESTIONS:
        dialogue.add_question(made, dialogue.QuestionInput(kind, text, options), "demo")
    ids = [q.id for q in dialogue.questions(made)]
    lon, lat = lon_lat
    for gender, age, housing, weight in PEOPLE:
        for _ in range(weight):
            day = START + timedelta(days=rng.randrange((END - START).days + 1))
            text = rng.choice(TEXTS)
            values = {ids[0]: text, ids[1]: str(rng.choice([0, 0, 1, 2])),
                      ids[2]: [str(i) for i in rng.sample(range(4), rng.choice([1, 2]))],
                      ids[3]: str(rng.choice([1, 2, 2, 3, 3, 4, 5]))}
            if rng.random() < 0.5:
                values[ids[4]] = (f"{lat + rng.uniform(-0.004, 0.004):.6f}", f"{lon + rng.uniform(-0.006, 0.006):.6f}", "")
            channel = "meeting" if rng.random() < 0.3 else "web"
            response = dialogue.submit_response(made, dialogue.Answered(values=values, gender=gender, age_group=age,
                                                                        housing=housing),
                                                channel=channel, actor="demo", today=day)
            response.created_at = datetime.combine(day, time(18), tzinfo=timezone.utc)
            for answer in response.answers:
                theme = next((t for word, t in THEMES.items() if word in answer.text), None)
                if theme:
                    answer.themes = [theme]
    db.session.flush()
    promise = dialogue.save_promise(year=2019, text=PROMISE, decided_on=date(2019, 1, 24), campaign_id=made.id,
                                    actor="demo")
    for text, department, status in ACTIONS:
        dialogue.add_action(promise, text=text, department_code=department, status=status, actor="demo")
    db.session.flush()
