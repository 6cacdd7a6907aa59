"""seed departments and the starting set of categories (data; admins edit it later)

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

DEPARTMENTS = [
    ("TS", {"sv": "Teknik- och serviceförvaltningen", "en": "Technical and Service Department"}),
    ("SB", {"sv": "Stadsbyggnadsförvaltningen", "en": "City Planning Department"}),
    ("STA", {"sv": "Stadsledningskontoret", "en": "City Executive Office"}),
    ("KOM", {"sv": "Kommunikationsavdelningen", "en": "Communications Department"}),
]

# key, kind, icon, department, sv name, en name, sv description, en description
CATEGORIES = [
    ("dark_unsafe", "safety", "dark", "TS", "Mörkt och otryggt", "Dark and unsafe",
     "Här är det mörkt eller känns otryggt, till exempel på kvällen.",
     "It is dark here or feels unsafe, for example in the evening."),
    ("littered", "safety", "litter", "TS", "Nedskräpat", "Littered",
     "Skräp, fimpar eller glas på marken.", "Rubbish, cigarette ends or glass on the ground."),
    ("poorly_maintained", "safety", "maintenance", "TS", "Dåligt underhållet", "Poorly maintained",
     "Slitet, trasigt eller ovårdat.", "Worn, broken or neglected."),
    ("feels_safe", "safety", "safe", None, "Här känns det tryggt", "Feels safe here",
     "Tipsa oss om en plats som känns trygg och trivsam.", "Tell us about a place that feels safe and pleasant."),
    ("street_light", "fault", "streetlight", "TS", "Trasig eller släckt gatubelysning", "Broken or unlit street light",
     "En gatlampa som är släckt, blinkar eller är skadad.", "A street light that is out, flickering or damaged."),
    ("graffiti", "fault", "graffiti", "TS", "Klotter", "Graffiti",
     "Klotter på väggar, skyltar eller annat.", "Graffiti on walls, signs or elsewhere."),
    ("vandalism", "fault", "vandalism", "TS", "Skadegörelse", "Vandalism",
     "Något har förstörts med flit, till exempel krossat glas.", "Something was damaged on purpose, e.g. broken glass."),
    ("litter_bin", "fault", "bin", "TS", "Full eller trasig papperskorg", "Full or broken litter bin",
     "En papperskorg som är full eller trasig.", "A litter bin that is full or broken."),
    ("vegetation", "fault", "vegetation", "TS", "Igenvuxet, skymmer sikt eller väg", "Overgrown, blocks view or path",
     "Buskar eller träd som skymmer sikten eller växer över vägen.",
     "Bushes or trees that block the view or grow over the path."),
    ("path_damage", "fault", "path", "TS", "Skada på gata, gång- eller cykelväg", "Damaged street, footpath or cycle path",
     "Hål, sprickor eller lösa plattor.", "Holes, cracks or loose paving."),
    ("park_furniture", "fault", "bench", "TS", "Lekplats, bänk eller parkutrustning", "Playground, bench or park furniture",
     "Trasig lekutrustning, bänk eller annan utrustning i park.", "Broken play equipment, bench or other park furniture."),
    ("other", "fault", "other", None, "Övrigt", "Other",
     "Något annat i den offentliga miljön.", "Something else in public space."),
]


def upgrade():
    department = sa.table("department", sa.column("code", sa.String), sa.column("names", sa.JSON))
    category = sa.table(
        "category", sa.column("key", sa.String), sa.column("kind", sa.String), sa.column("names", sa.JSON),
        sa.column("descriptions", sa.JSON), sa.column("icon", sa.String), sa.column("department_code", sa.String),
        sa.column("duplicate_radius_m", sa.Integer), sa.column("sort_order", sa.Integer),
        sa.column("active", sa.Boolean))
    op.bulk_insert(department, [{"code": code, "names": names} for code, names in DEPARTMENTS])
    op.bulk_insert(category, [
        {"key": key, "kind": kind, "icon": icon, "department_code": dept,
         "names": {"sv": sv, "en": en}, "descriptions": {"sv": dsv, "en": den},
         "duplicate_radius_m": 50, "sort_order": order, "active": True}
        for order, (key, kind, icon, dept, sv, en, dsv, den) in enumerate(CATEGORIES, start=1)
    ])


def downgrade():
    op.execute("DELETE FROM category")
    op.execute("DELETE FROM department")
