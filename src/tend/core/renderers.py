"""The project form renderer: `{{ form }}` uses templates/forms/div.html and forms/field.html.

Every field gets its label (required ones marked), the widget with aria-invalid and
aria-describedby, its errors right below it and its help text; problems are summarised at the
top in a role="alert" box. TemplatesSetting lets the project's template directory take part.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class TendFormRenderer(TemplatesSetting):
    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
