"""Arabic names and descriptions for the categories and departments residents see

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 22:10:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CATEGORIES = {
    "dark_unsafe": ("مظلم وغير آمن", "المكان هنا مظلم أو تشعر فيه بعدم الأمان، مثلاً في المساء."),
    "littered": ("مليء بالقمامة", "قمامة أو أعقاب سجائر أو زجاج على الأرض."),
    "poorly_maintained": ("سيئ الصيانة", "مهترئ أو مكسور أو مهمل."),
    "feels_safe": ("أشعر بالأمان هنا", "أخبرنا عن مكان تشعر فيه بالأمان والراحة."),
    "street_light": ("مصباح شارع معطل أو مطفأ", "مصباح شارع مطفأ أو يومض أو متضرر."),
    "graffiti": ("كتابات على الجدران", "كتابات أو رسومات على الجدران أو اللافتات أو غيرها."),
    "vandalism": ("تخريب", "شيء أُتلف عمداً، مثل زجاج مكسور."),
    "litter_bin": ("سلة مهملات ممتلئة أو مكسورة", "سلة مهملات ممتلئة أو مكسورة."),
    "vegetation": ("نباتات متضخمة تحجب الرؤية أو الطريق", "شجيرات أو أشجار تحجب الرؤية أو تنمو فوق الممر."),
    "path_damage": ("شارع أو رصيف أو مسار دراجات متضرر", "حفر أو تشققات أو بلاط مفكوك."),
    "park_furniture": ("ملعب أطفال أو مقعد أو أثاث حديقة", "ألعاب أطفال أو مقعد أو أثاث حديقة مكسور."),
    "other": ("أخرى", "شيء آخر في المكان العام."),
}
DEPARTMENTS = {
    "TS": "إدارة الخدمات الفنية",
    "SB": "إدارة التخطيط العمراني",
    "STA": "مكتب إدارة المدينة",
    "KOM": "قسم الاتصالات",
}


def _load(value):
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def upgrade():
    connection = op.get_bind()
    for key, (name, description) in CATEGORIES.items():
        row = connection.execute(sa.text("SELECT names, descriptions FROM category WHERE key = :key"),
                                 {"key": key}).first()
        if row is None:
            continue
        names, descriptions = _load(row[0]), _load(row[1])
        names.setdefault("ar", name)
        descriptions.setdefault("ar", description)
        connection.execute(sa.text("UPDATE category SET names = :names, descriptions = :descriptions WHERE key = :key")
                           .bindparams(sa.bindparam("names", type_=sa.JSON), sa.bindparam("descriptions", type_=sa.JSON)),
                           {"names": names, "descriptions": descriptions, "key": key})
    for code, name in DEPARTMENTS.items():
        row = connection.execute(sa.text("SELECT names FROM department WHERE code = :code"), {"code": code}).first()
        if row is None:
            continue
        names = _load(row[0])
        names.setdefault("ar", name)
        connection.execute(sa.text("UPDATE department SET names = :names WHERE code = :code")
                           .bindparams(sa.bindparam("names", type_=sa.JSON)), {"names": names, "code": code})


def downgrade():
    connection = op.get_bind()
    for table, column, id_column in (("category", "names", "key"), ("category", "descriptions", "key"),
                                     ("department", "names", "code")):
        for row in connection.execute(sa.text(f"SELECT {id_column}, {column} FROM {table}")).all():
            values = _load(row[1])
            values.pop("ar", None)
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE {id_column} = :id")
                               .bindparams(sa.bindparam("value", type_=sa.JSON)), {"value": values, "id": row[0]})
