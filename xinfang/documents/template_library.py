"""The only tags and filters a document template may use: {% if %} and |default.

A module of its own because Django's Engine takes its builtins by module path.
"""

from django.template import Library
from django.template.defaultfilters import default
from django.template.defaulttags import do_if

register = Library()
register.tag("if", do_if)
register.filter("default", default)
