from django.db import migrations


def load(apps, schema_editor):
    from tend.clients.icd import load_codes

    load_codes(apps.get_model("clients", "IcdCode"))


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_clients_charts_episodes_diagnoses_insurance_consents")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=False)]
